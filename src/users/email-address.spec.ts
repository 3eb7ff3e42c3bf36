import { isEmailAddress } from './email-address.js';

describe('isEmailAddress', () => {
  it('accepts ordinary addresses', () => {
    expect(isEmailAddress('ada@example.com')).toBe(true);
    expect(isEmailAddress('ada+mfa@sub.example.co.uk')).toBe(true);
  });

  it('refuses lone surrogates instead of throwing', () => {
    for (const value of ['x\ud800y@example.com', 'ada@exam\udfffple.com', '\udc00', 'x\ud800y']) {
      expect(isEmailAddress(value)).toBe(false);
    }
  });

  it('refuses what is not a string or not an address', () => {
    for (const value of [undefined, null, 42, {}, '', 'ada', 'ada@', '@example.com']) expect(isEmailAddress(value)).toBe(false);
  });
});
