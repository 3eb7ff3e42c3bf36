import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createSigner } from 'fast-jwt';
import { Clock } from '../common/clock.js';
import type { AppKeys } from '../config/keys.js';
import { InjectKeys } from '../config/config.tokens.js';
import type { Aal, Amr, MfaPurpose } from '../vocabulary/assurance.js';
import type { Role } from '../vocabulary/role.js';

export const TOKEN_ISSUER = 'sesame';
/** RFC 9068 access tokens; resource servers check `typ` and `aud`. */
export const ACCESS_TOKEN = { typ: 'at+jwt', aud: 'sesame' } as const;
/** A different type and audience, so neither strategy can ever accept the other (security.md: Tokens). */
export const MFA_TOKEN = { typ: 'mfa+jwt', aud: 'sesame:mfa' } as const;

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** What a completed login, refresh or step-up answers (api.md: tokens). */
export interface TokensResponse {
  status: 'authenticated';
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  aal: Aal;
  amr: Amr[];
  authTime: Date;
  roles: Role[];
}

export interface MfaClaims {
  sub: string;
  /** The login attempt this token is bound to (its server-side row). */
  jti: string;
  purpose: MfaPurpose;
  /** The session a step-up upgrades, if any. */
  sid: string | null;
}

type Signer = (payload: Record<string, unknown>) => string;
type TokenType = typeof ACCESS_TOKEN.typ | typeof MFA_TOKEN.typ;

@Injectable()
export class TokenService {
  /** A signer per token type with the signing key (fast-jwt: node:crypto, synchronously; README: Decisions). */
  private readonly signers: Readonly<Record<TokenType, Signer>>;

  constructor(
    @InjectKeys() private readonly keys: AppKeys,
    private readonly clock: Clock,
  ) {
    const { alg, kid, privateKey } = keys.signing;
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // iat and exp come with the claims, from the injected clock (a claim given is kept).
    const signer = (typ: string) => createSigner({ key, algorithm: alg, kid, header: { alg, typ, kid } }) as Signer;
    this.signers = { [ACCESS_TOKEN.typ]: signer(ACCESS_TOKEN.typ), [MFA_TOKEN.typ]: signer(MFA_TOKEN.typ) };
  }

  signAccess(claims: AccessClaims, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): Promise<string> {
    return this.sign(
      {
        sid: claims.sid,
        aal: claims.aal,
        amr: claims.amr,
        auth_time: Math.floor(claims.authTime.getTime() / 1000),
        roles: claims.roles,
      },
      { ...ACCESS_TOKEN, sub: claims.sub, jti: randomUUID(), ttlSeconds },
    );
  }

  signMfa(claims: MfaClaims, ttlSeconds: number): Promise<string> {
    return this.sign({ purpose: claims.purpose, ...(claims.sid ? { sid: claims.sid } : {}) }, {
      ...MFA_TOKEN,
      sub: claims.sub,
      jti: claims.jti,
      ttlSeconds,
    });
  }

  /** The tokens of a session: a fresh access token next to the session's refresh token. */
  async tokensFor(
    user: { id: string; roles: Role[] },
    session: { id: string; aal: Aal; amr: Amr[]; authTime: Date },
    refreshToken: string,
  ): Promise<TokensResponse> {
    const accessToken = await this.signAccess({
      sub: user.id,
      sid: session.id,
      aal: session.aal,
      amr: session.amr,
      authTime: session.authTime,
      roles: user.roles,
    });
    return { status: 'authenticated', accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** The public halves of the current and earlier signing keys, for `/.well-known/jwks.json`. */
  jwks(): { keys: object[] } {
    return { keys: [this.keys.signing, ...this.keys.previous].map((k) => k.publicJwk) };
  }

  private async sign(claims: Record<string, unknown>, opts: { typ: TokenType; aud: string; sub: string; jti: string; ttlSeconds: number }): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return this.signers[opts.typ]({ ...claims, iss: TOKEN_ISSUER, aud: opts.aud, sub: opts.sub, jti: opts.jti, iat: now, exp: now + opts.ttlSeconds });
  }
}
