import { randomBytes } from 'node:crypto';
import { KeyedHash, KeyedHashError } from './keyed-hash.js';

describe('KeyedHash', () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const hash = new KeyedHash(key);

  it('is HMAC-SHA-256 over context, NUL, value (known answers computed independently)', () => {
    expect(hash.digest('123456', 'challenge-1')).toBe('52d77b47703c50b9986037d9cfa0a0ad75bda1e1a6c74f42d580f89e8208d376');
    expect(hash.digest('päss', 'ctx')).toBe('47684734fb90f3a7f17ccfa26745946c442457b769c855ccd6661dee53c55ae3');
  });

  it('returns 64 lower-case hex digits and is deterministic', () => {
    const digest = hash.digest('value', 'context');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(hash.digest('value', 'context')).toBe(digest);
  });

  it('verifies the right value in the right context', () => {
    const digest = hash.digest('ABCD-EFGH', 'recovery:user-1');
    expect(hash.verify('ABCD-EFGH', 'recovery:user-1', digest)).toBe(true);
    expect(hash.verify('ABCD-EFGH', 'recovery:user-1', digest.toUpperCase())).toBe(true);
  });

  it('refuses another value, another context or another key', () => {
    const digest = hash.digest('123456', 'challenge-1');
    expect(hash.verify('123457', 'challenge-1', digest)).toBe(false);
    expect(hash.verify('123456', 'challenge-2', digest)).toBe(false);
    expect(new KeyedHash(randomBytes(32)).verify('123456', 'challenge-1', digest)).toBe(false);
  });

  it('keeps the context/value split unambiguous', () => {
    expect(hash.digest('bc', 'a')).not.toBe(hash.digest('c', 'ab'));
    expect(() => hash.digest('c', 'a\0b')).toThrow(KeyedHashError);
    // A NUL inside the value is fine: the first NUL always ends the context.
    expect(hash.verify('b\0c', 'a', hash.digest('b\0c', 'a'))).toBe(true);
  });

  it.each(['', 'zz', '00', 'g'.repeat(64), '0'.repeat(63), '0'.repeat(65), ` ${'0'.repeat(63)}`])(
    'returns false for the malformed expected digest %j',
    (expected) => {
      expect(hash.verify('123456', 'challenge-1', expected)).toBe(false);
    },
  );

  it('returns false for a non-string expected digest', () => {
    expect(hash.verify('123456', 'challenge-1', undefined as unknown as string)).toBe(false);
    expect(hash.verify('123456', 'challenge-1', null as unknown as string)).toBe(false);
  });

  it('requires a key of at least 32 bytes', () => {
    expect(() => new KeyedHash(Buffer.alloc(31))).toThrow(KeyedHashError);
    expect(() => new KeyedHash(Buffer.alloc(0))).toThrow(KeyedHashError);
    expect(() => new KeyedHash(Buffer.alloc(64, 1))).not.toThrow();
  });

  it('is not affected by later changes to the key buffer', () => {
    const mutable = Buffer.from(key);
    const own = new KeyedHash(mutable);
    const before = own.digest('x', 'y');
    mutable.fill(0);
    expect(own.digest('x', 'y')).toBe(before);
  });
});
