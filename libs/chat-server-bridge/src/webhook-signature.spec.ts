import { signBridgeBody, verifyBridgeSignature } from './webhook-signature';

describe('bridge webhook signature', () => {
  const body = '{"type":"conversation.handover"}';

  it('should verify its own signature over timestamp and body', () => {
    const signature = signBridgeBody('secret-secret-123', 1700000000000, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyBridgeSignature('secret-secret-123', '1700000000000', body, signature)).toBe(true);
  });

  it('should refuse another secret, another timestamp, a changed body or a missing header', () => {
    const signature = signBridgeBody('secret-secret-123', 1700000000000, body);
    expect(verifyBridgeSignature('other-secret-1234', '1700000000000', body, signature)).toBe(false);
    expect(verifyBridgeSignature('secret-secret-123', '1700000000001', body, signature)).toBe(false);
    expect(verifyBridgeSignature('secret-secret-123', '1700000000000', `${body} `, signature)).toBe(false);
    expect(verifyBridgeSignature('secret-secret-123', '1700000000000', body, undefined)).toBe(false);
  });
});
