import { isPrivateAddress } from './private-address';

describe(isPrivateAddress.name, () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    'not-an-ip',
  ])('should refuse %s', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['157.240.1.35', '31.13.72.36', '172.32.0.1', '2a03:2880:f12f:83:face:b00c:0:25de'])('should allow public %s', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );
});
