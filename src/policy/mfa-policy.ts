import type { FactorType } from '../vocabulary/factor-type.js';
import type { Role } from '../vocabulary/role.js';

export type MfaMode = 'off' | 'optional' | 'required';

/** What one rule decides for the users it matches. */
export interface MfaRuleSettings {
  mode: MfaMode;
  allowedFactors: FactorType[];
  /** Active login factors (recovery codes do not count) a user should hold; fewer, and login asks for more. Default 1. */
  minFactors?: number;
  stepUpMaxAgeSeconds: number;
  /**
   * For users the rule requires MFA of who have no factor: how long they may
   * still sign in with the password alone, in days from their first such
   * login and/or in logins (whichever ends first).
   */
  enrollmentGrace?: EnrollmentGrace;
}

export interface EnrollmentGrace {
  days?: number;
  logins?: number;
}

/** Who a rule is for: a user matches when any one of the lists names them (one of their roles, one of their groups, their id). */
export interface MfaRuleMatch {
  roles?: Role[];
  groups?: string[];
  userIds?: string[];
}

/** One entry of `rules`: tried in order before the document's own fields, which are the default rule that closes the list. */
export interface MfaPolicyRule extends MfaRuleSettings {
  name: string;
  match: MfaRuleMatch;
}

/**
 * The policy document of api.md; stored versioned, changed by admins. Its
 * top-level `mode`, `requiredRoles`, `allowedFactors`, `minFactors` and
 * `stepUpMaxAgeSeconds` are the default rule; a document without `rules`
 * (today's shape) is a one-rule policy.
 */
export interface MfaPolicy extends MfaRuleSettings {
  version: number;
  requiredRoles: Role[];
  rules?: MfaPolicyRule[];
  sms: {
    codeLength: number;
    ttlSeconds: number;
    maxAttempts: number;
    resendCooldownSeconds: number;
    maxResends: number;
    maxSendsPerHourPerUser: number;
    allowedCountries: string[];
  };
  mfaTokenTtlSeconds: number;
}

/** Version 0: what a fresh installation enforces before any admin change. */
export const DEFAULT_MFA_POLICY: MfaPolicy = Object.freeze({
  version: 0,
  mode: 'optional',
  requiredRoles: ['admin'],
  allowedFactors: ['sms', 'totp', 'webauthn', 'recovery_code'],
  sms: {
    codeLength: 6,
    ttlSeconds: 300,
    maxAttempts: 5,
    resendCooldownSeconds: 30,
    maxResends: 3,
    maxSendsPerHourPerUser: 10,
    allowedCountries: [],
  },
  stepUpMaxAgeSeconds: 900,
  mfaTokenTtlSeconds: 300,
}) as MfaPolicy;
