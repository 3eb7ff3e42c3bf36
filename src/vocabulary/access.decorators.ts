import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { MfaPurpose } from './assurance.js';
import type { Principal } from './principal.js';
import type { Role } from './role.js';

/**
 * What a route needs, stated once per route (style.md: deny by default). The
 * global AuthGuard reads it; a route with no statement is refused, and the
 * route-inventory test fails the build before that can ship.
 */
export type AccessRequirement =
  | { kind: 'public' }
  | {
      kind: 'access';
      /** 2 → the session completed a second factor. */
      aal: 1 | 2;
      roles: Role[];
      /** The session's authentication must be younger than the policy's step-up window. */
      stepUp: boolean;
      /**
       * Also accept an mfaToken of these purposes (the enrolment routes accept
       * an `enroll` token while a user sets up a first factor).
       */
      mfaPurposes: MfaPurpose[];
    }
  | {
      kind: 'mfa';
      purposes: MfaPurpose[];
      /**
       * Let a consumed (but unexpired) mfaToken reach the handler. Only the
       * verify route sets it, so that replaying a used code is answered with
       * MFA_CHALLENGE_USED; the upgrade itself still needs an unconsumed token.
       */
      allowConsumed: boolean;
    };

export const ACCESS_REQUIREMENT = 'sesame:access-requirement';

export const Public = () => SetMetadata(ACCESS_REQUIREMENT, { kind: 'public' } satisfies AccessRequirement);

export const Authenticated = (options: { aal?: 1 | 2; roles?: Role[]; stepUp?: boolean; mfaPurposes?: MfaPurpose[] } = {}) =>
  SetMetadata(ACCESS_REQUIREMENT, {
    kind: 'access',
    aal: options.aal ?? 1,
    roles: options.roles ?? [],
    stepUp: options.stepUp ?? false,
    mfaPurposes: options.mfaPurposes ?? [],
  } satisfies AccessRequirement);

/** Routes of the second step of a login: only an mfaToken of these purposes gets in. */
export const MfaTokenAuth = (purposes: MfaPurpose[] = ['login', 'enroll', 'step_up'], options: { allowConsumed?: boolean } = {}) =>
  SetMetadata(ACCESS_REQUIREMENT, {
    kind: 'mfa',
    purposes,
    allowConsumed: options.allowConsumed ?? false,
  } satisfies AccessRequirement);

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
