import { generateOtpCode, isWellFormedCode } from './otp-code.js';

describe('generateOtpCode', () => {
  it('makes codes of the requested length, digits only', () => {
    for (const length of [6, 8, 10]) {
      const code = generateOtpCode(length);
      expect(code).toMatch(new RegExp(`^[0-9]{${length}}$`));
    }
  });

  it('refuses lengths outside 6-10', () => {
    expect(() => generateOtpCode(5)).toThrow(RangeError);
    expect(() => generateOtpCode(11)).toThrow(RangeError);
  });

  it('spreads digits evenly (chi-square over 60 000 digits)', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) for (const d of generateOtpCode(6)) counts[Number(d)]++;
    const expected = 6000;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: 27.88 is the 0.1% critical value.
    expect(chi2).toBeLessThan(27.88);
  });

  it('rarely repeats (no fixed or short-cycle output)', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateOtpCode(8)));
    expect(seen.size).toBeGreaterThan(990);
  });
});

describe('isWellFormedCode', () => {
  it('accepts exactly `length` ASCII digits', () => {
    expect(isWellFormedCode('123456', 6)).toBe(true);
    for (const bad of ['12345', '1234567', '12345a', ' 12345', '١٢٣٤٥٦', '']) expect(isWellFormedCode(bad, 6)).toBe(false);
  });
});
