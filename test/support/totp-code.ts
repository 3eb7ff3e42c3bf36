import { createHmac } from 'node:crypto';
import { base32Decode } from '../../src/mfa/factors/totp/totp.js';

/** RFC 6238 with the defaults Sesame enrols (SHA-1, 6 digits, 30 s), at the given time. */
export function totpCode(secret: string, at: Date): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
