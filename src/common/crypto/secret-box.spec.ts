import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box.js';

/** Decode one base64url part of a sealed value, change it, and put it back. */
function alterPart(sealed: string, index: 1 | 2 | 3, alter: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split('.');
  parts[index] = alter(Buffer.from(parts[index]!, 'base64url')).toString('base64url');
  return parts.join('.');
}

function flipFirstBit(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[0] = copy[0]! ^ 0x01;
  return copy;
}

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);
  const secret = Buffer.from('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'ascii');

  it('round-trips with and without associated data', () => {
    expect(box.open(box.seal(secret, 'factor-1'), 'factor-1').equals(secret)).toBe(true);
    expect(box.open(box.seal(secret)).equals(secret)).toBe(true);
    expect(box.open(box.seal(Buffer.alloc(0), 'factor-1'), 'factor-1')).toHaveLength(0);
  });

  it('produces v1.<iv>.<ciphertext>.<tag> with a 12-byte IV and a 16-byte tag', () => {
    const sealed = box.seal(secret, 'factor-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/);
    const [, iv, ciphertext, tag] = sealed.split('.');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength(secret.length);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
  });

  it('uses a fresh random IV for every message', () => {
    const a = box.seal(secret, 'factor-1');
    const b = box.seal(secret, 'factor-1');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it.each([
    ['IV', 1],
    ['ciphertext', 2],
    ['tag', 3],
  ] as const)('refuses a tampered %s', (_name, index) => {
    const sealed = box.seal(secret, 'factor-1');
    expect(() => box.open(alterPart(sealed, index, flipFirstBit), 'factor-1')).toThrow(SecretBoxError);
  });

  it('refuses a truncated tag or IV', () => {
    const sealed = box.seal(secret, 'factor-1');
    expect(() => box.open(alterPart(sealed, 3, (b) => b.subarray(0, 12)), 'factor-1')).toThrow(SecretBoxError);
    expect(() => box.open(alterPart(sealed, 1, (b) => b.subarray(0, 8)), 'factor-1')).toThrow(SecretBoxError);
  });

  it('refuses a ciphertext moved to another row (wrong associated data)', () => {
    const sealed = box.seal(secret, 'factor-1');
    expect(() => box.open(sealed, 'factor-2')).toThrow(SecretBoxError);
    expect(() => box.open(sealed)).toThrow(SecretBoxError);
    expect(() => box.open(box.seal(secret), 'factor-1')).toThrow(SecretBoxError);
  });

  it('refuses to open with another key', () => {
    const sealed = box.seal(secret, 'factor-1');
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'factor-1')).toThrow(SecretBoxError);
  });

  it.each([
    '',
    'v1',
    'v1...',
    'v2.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA',
    'v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA.extra',
    'v1.AAAAAAAAAAAAAAAA.AA*A.AAAAAAAAAAAAAAAAAAAAAA',
    'v1.AAAAAAAAAAAAAAAA.AAAA=.AAAAAAAAAAAAAAAAAAAAAA',
  ])('throws SecretBoxError for the malformed value %j', (sealed) => {
    expect(() => box.open(sealed)).toThrow(SecretBoxError);
  });

  it('refuses a different version prefix even with valid parts', () => {
    const sealed = box.seal(secret, 'factor-1');
    expect(() => box.open(sealed.replace(/^v1\./, 'v2.'), 'factor-1')).toThrow(SecretBoxError);
  });

  it('requires a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(31))).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(33))).toThrow(SecretBoxError);
    expect(() => new SecretBox(Buffer.alloc(0))).toThrow(SecretBoxError);
  });

  it('is not affected by later changes to the key buffer', () => {
    const mutable = Buffer.from(key);
    const own = new SecretBox(mutable);
    mutable.fill(0);
    expect(own.open(box.seal(secret, 'x'), 'x').equals(secret)).toBe(true);
  });

  describe('keyFromBase64', () => {
    it('accepts a standard or URL-safe base64 32-byte key', () => {
      const raw = Buffer.from('fb'.repeat(32), 'hex');
      expect(SecretBox.keyFromBase64(raw.toString('base64')).equals(raw)).toBe(true);
      expect(SecretBox.keyFromBase64(raw.toString('base64url')).equals(raw)).toBe(true);
      expect(SecretBox.keyFromBase64(` ${raw.toString('base64')}\n`).equals(raw)).toBe(true);
    });

    it.each([
      ['too short', randomBytes(16).toString('base64')],
      ['too long', randomBytes(48).toString('base64')],
      ['empty', ''],
      ['not base64', `${'*'.repeat(43)}=`],
      ['mixed alphabets', `+_${'A'.repeat(41)}=`],
    ])('refuses a key that is %s', (_name, encoded) => {
      expect(() => SecretBox.keyFromBase64(encoded)).toThrow(SecretBoxError);
    });
  });
});
