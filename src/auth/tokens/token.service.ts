import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { Clock } from '../../common/clock.js';
import type { AppKeys } from '../../config/keys.js';
import { InjectKeys } from '../../config/config.tokens.js';
import type { Aal, Amr } from '../../mfa/assurance.js';
import type { MfaPurpose, Role } from '../guards/access.decorators.js';

const ISSUER = 'sesame';
/** RFC 9068 access tokens; resource servers check `typ` and `aud`. */
const ACCESS = { typ: 'at+jwt', aud: 'sesame' } as const;
/** A different type and audience, so neither guard can ever accept the other (security.md: Tokens). */
const MFA = { typ: 'mfa+jwt', aud: 'sesame:mfa' } as const;

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

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

export class InvalidTokenError extends Error {}

@Injectable()
export class TokenService {
  constructor(
    @InjectKeys() private readonly keys: AppKeys,
    private readonly clock: Clock,
  ) {}

  signAccess(claims: AccessClaims, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): Promise<string> {
    return this.sign(
      {
        sid: claims.sid,
        aal: claims.aal,
        amr: claims.amr,
        auth_time: Math.floor(claims.authTime.getTime() / 1000),
        roles: claims.roles,
      },
      { ...ACCESS, sub: claims.sub, jti: randomUUID(), ttlSeconds },
    );
  }

  signMfa(claims: MfaClaims, ttlSeconds: number): Promise<string> {
    return this.sign({ purpose: claims.purpose, ...(claims.sid ? { sid: claims.sid } : {}) }, {
      ...MFA,
      sub: claims.sub,
      jti: claims.jti,
      ttlSeconds,
    });
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const payload = await this.verify(token, ACCESS);
    const { sub, sid, aal, amr, auth_time, roles } = payload;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      (aal !== 'aal1' && aal !== 'aal2') ||
      !Array.isArray(amr) ||
      typeof auth_time !== 'number' ||
      !Array.isArray(roles)
    ) {
      throw new InvalidTokenError('malformed access token claims');
    }
    return { sub, sid, aal, amr: amr as Amr[], authTime: new Date(auth_time * 1000), roles: roles as Role[] };
  }

  async verifyMfa(token: string): Promise<MfaClaims> {
    const payload = await this.verify(token, MFA);
    const { sub, jti, purpose, sid } = payload;
    if (
      typeof sub !== 'string' ||
      typeof jti !== 'string' ||
      (purpose !== 'login' && purpose !== 'enroll' && purpose !== 'step_up') ||
      (sid !== undefined && typeof sid !== 'string')
    ) {
      throw new InvalidTokenError('malformed mfa token claims');
    }
    return { sub, jti, purpose, sid: sid ?? null };
  }

  /** The public halves of the current and earlier signing keys, for `/.well-known/jwks.json`. */
  jwks(): { keys: object[] } {
    return { keys: [this.keys.signing, ...this.keys.previous].map((k) => k.publicJwk) };
  }

  private async sign(
    claims: JWTPayload,
    opts: { typ: string; aud: string; sub: string; jti: string; ttlSeconds: number },
  ): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const { alg, kid, privateKey } = this.keys.signing;
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid, typ: opts.typ })
      .setIssuer(ISSUER)
      .setAudience(opts.aud)
      .setSubject(opts.sub)
      .setJti(opts.jti)
      .setIssuedAt(now)
      .setExpirationTime(now + opts.ttlSeconds)
      .sign(privateKey);
  }

  private async verify(token: string, expected: { typ: string; aud: string }): Promise<JWTPayload> {
    const known = [this.keys.signing, ...this.keys.previous];
    try {
      const { payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          // Keys are chosen by kid; an unknown kid is refused rather than tried against every key,
          // and the algorithm must be the one that key signs with.
          const key = known.find((k) => k.kid === header.kid);
          if (!key || header.alg !== key.alg) throw new InvalidTokenError('unknown kid');
          return key.publicKey;
        },
        {
          // Pinned: `none`, HS256-with-the-public-key and any other algorithm are refused.
          algorithms: [...new Set(known.map((k) => k.alg))],
          issuer: ISSUER,
          audience: expected.aud,
          typ: expected.typ,
          currentDate: this.clock.now(),
          requiredClaims: ['sub', 'jti', 'exp', 'iat'],
        },
      );
      return payload;
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof joseErrors.JOSEError) {
        throw new InvalidTokenError('token refused');
      }
      // Garbage that jose cannot even parse ends up here too; it is still just an invalid token.
      throw new InvalidTokenError('token refused');
    }
  }
}
