import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for small secrets stored in the database (TOTP seeds and the
 * like), so a database dump alone does not reveal them.
 *
 * Sealed form: `v1.<iv>.<ciphertext>.<tag>`, each part base64url (RFC 4648 §5)
 * without padding — one text column, no binary handling, and a version prefix
 * so the scheme can change without guessing what an old row holds.
 *
 * - The IV is 96 random bits per message, the length NIST SP 800-38D §8.2.2
 *   specifies for random IVs. With random IVs one key should seal fewer than
 *   2^32 messages, far beyond the number of factors this service stores.
 * - The tag is the full 128 bits (SP 800-38D §5.2.1.2); shorter tags are
 *   refused on open, so an attacker cannot truncate it.
 * - The associated data binds a ciphertext to its row (e.g. the factor id):
 *   copying a sealed value to another row makes it fail to open. The version
 *   prefix is authenticated together with it, so the header cannot be swapped.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2})$/;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Node's base64url decoder skips characters it does not know; a sealed value must decode exactly. */
function decodeBase64url(part: string): Buffer {
  if (!BASE64URL.test(part)) throw new SecretBoxError('sealed value is malformed');
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw new SecretBoxError('sealed value is malformed');
  return bytes;
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new SecretBoxError(`SecretBox needs a ${KEY_BYTES}-byte key`);
    }
    this.#key = Buffer.from(key);
  }

  /** Accepts standard or URL-safe base64 and refuses anything that is not exactly 32 bytes. */
  static keyFromBase64(s: string): Buffer {
    const trimmed = s.trim();
    if (!BASE64.test(trimmed)) throw new SecretBoxError('key is not valid base64');
    const urlSafe = trimmed.includes('-') || trimmed.includes('_');
    const key = Buffer.from(trimmed, urlSafe ? 'base64url' : 'base64');
    if (key.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, '')) {
      throw new SecretBoxError('key is not valid base64');
    }
    if (key.length !== KEY_BYTES) {
      throw new SecretBoxError(`key must decode to ${KEY_BYTES} bytes, got ${key.length}`);
    }
    return key;
  }

  seal(plaintext: Buffer, associatedData?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
  }

  open(sealed: string, associatedData?: string): Buffer {
    if (typeof sealed !== 'string') throw new SecretBoxError('sealed value is malformed');
    const parts = sealed.split('.');
    if (parts.length !== 4) throw new SecretBoxError('sealed value is malformed');
    const [version, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string];
    if (version !== VERSION) throw new SecretBoxError('unsupported sealed value version');

    const iv = decodeBase64url(ivPart);
    const ciphertext = decodeBase64url(ciphertextPart);
    const tag = decodeBase64url(tagPart);
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('sealed value is malformed');

    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(associatedData));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      // One message for a wrong key, wrong associated data or tampering: the
      // caller cannot act differently on them and should not learn which.
      throw new SecretBoxError('sealed value failed authentication');
    }
  }
}

/**
 * The version and the caller's associated data, separated by a NUL that the
 * version never contains, so the two cannot be shifted into one another.
 */
function aad(associatedData: string | undefined): Buffer {
  return Buffer.concat([Buffer.from(`${VERSION}\0`, 'utf8'), Buffer.from(associatedData ?? '', 'utf8')]);
}
