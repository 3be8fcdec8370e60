import { createHmac } from 'node:crypto';
import { verifySignature256, verifySignatureSha1 } from './webhook-signature';

const secret = 'app-secret-123456';
const body = Buffer.from('{"object":"page","entry":[{"id":"1","messaging":[]}]}');
const sign = (b: Buffer, alg = 'sha256') => `${alg}=${createHmac(alg, secret).update(b).digest('hex')}`;

describe('verifySignature256', () => {
  it('should accept the exact signature of the raw bytes', () => {
    expect(verifySignature256(body, sign(body), secret)).toBe('valid');
  });

  it('should accept upper-case hex', () => {
    expect(verifySignature256(body, sign(body).toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe('valid');
  });

  it('should refuse a signature made with another secret', () => {
    const other = `sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}`;
    expect(verifySignature256(body, other, secret)).toBe('mismatch');
  });

  it('should check against the secret it is given, also when it changes between calls (the key object is kept per secret)', () => {
    expect(verifySignature256(body, sign(body), secret)).toBe('valid');
    expect(verifySignature256(body, sign(body), 'another-app-secret')).toBe('mismatch');
    expect(verifySignature256(body, sign(body), secret)).toBe('valid');
  });

  it('should refuse a missing or empty header', () => {
    expect(verifySignature256(body, undefined, secret)).toBe('missing');
    expect(verifySignature256(body, '', secret)).toBe('missing');
  });

  it('should refuse a wrong algorithm prefix', () => {
    expect(verifySignature256(body, sign(body).replace('sha256=', 'sha1='), secret)).toBe('malformed');
    expect(verifySignature256(body, sign(body).replace('sha256=', ''), secret)).toBe('malformed');
    expect(verifySignature256(body, sign(body, 'sha1'), secret)).toBe('malformed');
  });

  it('should refuse a tampered body', () => {
    const tampered = Buffer.from(body.toString().replace('"1"', '"2"'));
    expect(verifySignature256(tampered, sign(body), secret)).toBe('mismatch');
  });

  it('should verify an empty body like any other', () => {
    const empty = Buffer.alloc(0);
    expect(verifySignature256(empty, sign(empty), secret)).toBe('valid');
    expect(verifySignature256(empty, sign(body), secret)).toBe('mismatch');
  });

  it('should refuse non-hex and wrong-length signatures', () => {
    expect(verifySignature256(body, `sha256=${'z'.repeat(64)}`, secret)).toBe('malformed');
    expect(verifySignature256(body, sign(body).slice(0, -2), secret)).toBe('malformed');
    expect(verifySignature256(body, `${sign(body)}00`, secret)).toBe('malformed');
  });

  it('should depend on the exact bytes (escaped unicode is not re-serialized)', () => {
    const escaped = Buffer.from('{"text":"\\u00e4"}');
    const literal = Buffer.from('{"text":"ä"}');
    expect(verifySignature256(literal, sign(escaped), secret)).toBe('mismatch');
  });
});

describe('verifySignatureSha1', () => {
  it('should accept a legacy sha1 signature and refuse a sha256 one', () => {
    expect(verifySignatureSha1(body, sign(body, 'sha1'), secret)).toBe('valid');
    expect(verifySignatureSha1(body, sign(body), secret)).toBe('malformed');
  });
});
