import type { FactorType } from '../vocabulary/factor-type.js';
import type { Role } from '../vocabulary/role.js';

export type MfaMode = 'off' | 'optional' | 'required';

/** The policy document of api.md; stored versioned, changed by admins. */
export interface MfaPolicy {
  version: number;
  mode: MfaMode;
  requiredRoles: Role[];
  allowedFactors: FactorType[];
  sms: {
    codeLength: number;
    ttlSeconds: number;
    maxAttempts: number;
    resendCooldownSeconds: number;
    maxResends: number;
    maxSendsPerHourPerUser: number;
    allowedCountries: string[];
  };
  stepUpMaxAgeSeconds: number;
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
