import { redactSecrets } from './redact.util';

describe('redactSecrets', () => {
  it('should hide access_token and appsecret_proof query values', () => {
    const url = 'https://graph.facebook.com/v24.0/me/messages?access_token=EAAB123&appsecret_proof=abcd';
    expect(redactSecrets(url)).toBe('https://graph.facebook.com/v24.0/me/messages?access_token=[redacted]&appsecret_proof=[redacted]');
  });

  it('should hide bearer tokens and any listed secret wherever it appears', () => {
    const text = 'Authorization: Bearer EAAB.xyz failed for token s3cr3t-token in body s3cr3t-token';
    expect(redactSecrets(text, ['s3cr3t-token'])).toBe('Authorization: Bearer [redacted] failed for token [redacted] in body [redacted]');
  });
});
