import {
  RECOVERY_CODE_BITS,
  RECOVERY_CODES_PER_SET,
  generateRecoveryCode,
  generateRecoveryCodeSet,
  normaliseRecoveryCode,
} from './recovery-code.js';

describe('recovery codes', () => {
  it('carry at least 50 bits each (security.md)', () => {
    expect(RECOVERY_CODE_BITS).toBe(60);
  });

  it('are three groups of four Crockford Base32 symbols', () => {
    for (let i = 0; i < 200; i++)
      expect(generateRecoveryCode()).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('use every symbol of the alphabet, and no other', () => {
    const seen = new Set(Array.from({ length: 500 }, generateRecoveryCode).join('').replace(/-/g, ''));
    expect([...seen].sort().join('')).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
  });

  it('come in sets of ten distinct codes', () => {
    const set = generateRecoveryCodeSet();
    expect(set).toHaveLength(RECOVERY_CODES_PER_SET);
    expect(new Set(set).size).toBe(RECOVERY_CODES_PER_SET);
  });

  it('read back regardless of case, spaces and dashes', () => {
    expect(normaliseRecoveryCode('7KQ2-XM9D-4HTA')).toBe('7KQ2XM9D4HTA');
    expect(normaliseRecoveryCode(' 7kq2 xm9d 4hta ')).toBe('7KQ2XM9D4HTA');
    expect(normaliseRecoveryCode('7kq2xm9d-4hta')).toBe('7KQ2XM9D4HTA');
  });

  it('read the letters Crockford excludes as the digits they resemble', () => {
    expect(normaliseRecoveryCode('O1IL-0000-0000')).toBe('011100000000');
  });

  it('refuse input that cannot be a code', () => {
    expect(normaliseRecoveryCode('')).toBeNull();
    expect(normaliseRecoveryCode('7KQ2-XM9D-4HT')).toBeNull();
    expect(normaliseRecoveryCode('7KQ2-XM9D-4HTAA')).toBeNull();
    expect(normaliseRecoveryCode('7KQ2-XM9D-4HTU')).toBeNull();
    expect(normaliseRecoveryCode('7KQ2_XM9D_4HTA')).toBeNull();
    expect(normaliseRecoveryCode('123456')).toBeNull();
  });
});
