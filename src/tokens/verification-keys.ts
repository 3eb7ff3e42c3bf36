import { Injectable } from '@nestjs/common';
import type { AppKeys, VerificationKey } from '../config/keys.js';
import { InjectKeys } from '../config/config.tokens.js';

/** The parts of a JWS header the key choice depends on. */
export interface TokenHeader {
  alg: string;
  kid: string;
  typ?: string;
}

/**
 * The current and earlier signing keys by kid, built once at boot: a request
 * never parses a PEM or imports a JWK, it looks the KeyObject up.
 */
@Injectable()
export class VerificationKeys {
  private readonly byKid: ReadonlyMap<string, VerificationKey>;
  /** Some key is Ed25519: its tokens take the jose path of the strategies. */
  readonly hasEdDsa: boolean;

  constructor(@InjectKeys() keys: AppKeys) {
    const all = [keys.signing, ...keys.previous];
    this.byKid = new Map(all.map((k) => [k.kid, k]));
    this.hasEdDsa = all.some((k) => k.alg === 'EdDSA');
  }

  /**
   * The key a token names, or null. An unknown kid is refused rather than
   * tried against every key, and the header's algorithm must be the one that
   * key signs with: `none`, HS256-with-the-public-key and any other algorithm
   * never reach a verifier.
   */
  keyFor(token: string): { key: VerificationKey; header: TokenHeader } | null {
    const header = protectedHeader(token);
    const key = header ? this.byKid.get(header.kid) : undefined;
    if (!header || !key || header.alg !== key.alg) return null;
    return { key, header };
  }
}

function protectedHeader(token: string): TokenHeader | null {
  const end = token.indexOf('.');
  if (end <= 0) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) return null;
    const { alg, kid, typ } = header as Record<string, unknown>;
    if (typeof alg !== 'string' || typeof kid !== 'string' || (typ !== undefined && typeof typ !== 'string')) return null;
    return { alg, kid, typ };
  } catch {
    return null;
  }
}
