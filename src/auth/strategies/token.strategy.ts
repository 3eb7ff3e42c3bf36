import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { createVerifier } from 'fast-jwt';
import { Strategy } from 'passport-jwt';
import type { Clock } from '../../common/clock.js';
import { TOKEN_ISSUER } from '../../tokens/token.service.js';
import type { TokenHeader, VerificationKeys } from '../../tokens/verification-keys.js';
import type { VerificationKey } from '../../config/keys.js';

/** A token whose signature, algorithm, issuer and audience have been checked. */
export interface VerifiedToken {
  header: TokenHeader;
  payload: Record<string, unknown>;
}

/**
 * The base of the `jwt` and `mfa-jwt` passport strategies. passport-jwt reads
 * the bearer token and jsonwebtoken checks the signature with the KeyObject
 * the kid names (pinned to that key's algorithm), the issuer and the
 * audience. `validate()` then checks `typ` and expiry against the injected
 * clock and hands the claims to the subclass, which finds the server-side
 * state (session or login attempt) and builds the principal, or returns null.
 *
 * jsonwebtoken has no EdDSA, so a token whose key is Ed25519 is verified by
 * fast-jwt instead (node:crypto, synchronously; it remembers the tokens it
 * has verified, so the mfaToken of a challenge is checked once for its
 * verify too) and then takes the same `validate()` (README: Decisions).
 */
export function TokenStrategy<P extends object>(name: 'jwt' | 'mfa-jwt') {
  abstract class TokenStrategyBase extends PassportStrategy(Strategy, name) {
    constructor(
      private readonly keys: VerificationKeys,
      private readonly clock: Clock,
      private readonly expected: { typ: string; aud: string },
    ) {
      super({
        jwtFromRequest: bearerToken,
        secretOrKeyProvider: (_req: Request, raw: string, done: (err: unknown, key?: unknown) => void) => {
          const found = keys.keyFor(raw);
          if (found) done(null, found.key.publicKey);
          else done(new Error('unknown kid or algorithm'));
        },
        issuer: TOKEN_ISSUER,
        audience: expected.aud,
        algorithms: ['ES256'],
        // Expiry is checked in validate() against the injected clock, not Date.now().
        ignoreExpiration: true,
        jsonWebTokenOptions: { complete: true },
      } as ConstructorParameters<typeof Strategy>[0]);
    }

    /** One fast-jwt verifier per Ed25519 key (by kid), built on first use. */
    private readonly edDsaVerifiers = new Map<string, (token: string) => Record<string, unknown>>();

    protected abstract principalFor(payload: Record<string, unknown>): Promise<P | null>;

    async validate(token: VerifiedToken): Promise<P | null> {
      const { typ } = token.header;
      const { sub, jti, iat, exp } = token.payload;
      const now = Math.floor(this.clock.now().getTime() / 1000);
      if (typ !== this.expected.typ || typeof sub !== 'string' || typeof jti !== 'string') return null;
      if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= now) return null;
      return this.principalFor(token.payload);
    }

    override authenticate(req: Request, options?: object): void {
      const token = this.keys.hasEdDsa ? bearerToken(req) : null;
      const found = token ? this.keys.keyFor(token) : null;
      if (!token || found?.key.alg !== 'EdDSA') {
        super.authenticate(req, options);
        return;
      }
      let payload: Record<string, unknown>;
      try {
        payload = this.edDsaVerifier(found.key)(token);
      } catch {
        this.fail(401);
        return;
      }
      this.validate({ header: found.header, payload }).then(
        (principal) => (principal ? this.success(principal) : this.fail(401)),
        (error: unknown) => this.error(error as Error),
      );
    }

    /**
     * Signature, algorithm (pinned to the key's), issuer and audience. Expiry is
     * validate()'s, against the injected clock; the verified-token cache keeps
     * a signature's result only (the token's state is read by principalFor on
     * every request), keyed by a hash of the token.
     */
    private edDsaVerifier(key: VerificationKey): (token: string) => Record<string, unknown> {
      let verify = this.edDsaVerifiers.get(key.kid);
      if (!verify) {
        verify = createVerifier({
          key: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          algorithms: ['EdDSA'],
          allowedIss: TOKEN_ISSUER,
          allowedAud: this.expected.aud,
          ignoreExpiration: true,
          cache: 1000,
        }) as (token: string) => Record<string, unknown>;
        this.edDsaVerifiers.set(key.kid, verify);
      }
      return verify;
    }
  }
  return TokenStrategyBase;
}

/** `Authorization: Bearer <token>`, bounded in length; anything else is no token. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > 8192) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return match ? match[1] : null;
}
