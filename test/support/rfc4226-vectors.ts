/** RFC 4226 Appendix D: secret "12345678901234567890", 6 digits, the HOTP values for counters 0..9. */
export const RFC4226_SECRET = Buffer.from('12345678901234567890', 'ascii');
export const RFC4226_CODES = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];
