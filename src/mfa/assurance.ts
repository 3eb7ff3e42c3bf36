import type { Role } from '../vocabulary/role.js';
import type { MfaPolicy } from '../policy/mfa-policy.js';
import { assertNever, type FactorType } from '../vocabulary/factor-type.js';

export type LoginOutcome =
  | { status: 'authenticated' }
  /**
   * `grandfathered`: the user's only factors are of types the policy no
   * longer allows. They keep working until the user enrols an allowed one
   * (narrowing the policy must neither turn MFA off nor lock anyone out).
   */
  | { status: 'mfa_required'; factorTypes: FactorType[]; grandfathered?: true }
  | { status: 'mfa_enrollment_required'; allowedFactors: FactorType[] };

/** Recovery codes get a user back in; they are never a first factor to enrol on their own. */
const ENROLLABLE_FIRST: ReadonlySet<FactorType> = new Set(['sms', 'totp', 'webauthn', 'email']);

export function mfaRequiredFor(policy: MfaPolicy, roles: readonly Role[]): boolean {
  switch (policy.mode) {
    case 'off':
      return false;
    case 'required':
      return true;
    case 'optional':
      return roles.some((r) => policy.requiredRoles.includes(r));
    default:
      return assertNever(policy.mode);
  }
}

/**
 * What a password login leads to, from the policy and the user's active
 * factors. Pure: the login flow and the guards only call it.
 */
export function decideLogin(
  policy: MfaPolicy,
  user: { roles: readonly Role[] },
  activeFactorTypes: readonly FactorType[],
): LoginOutcome {
  if (policy.mode === 'off') return { status: 'authenticated' };
  const usable = [...new Set(activeFactorTypes.filter((t) => policy.allowedFactors.includes(t)))];
  // A user who has a second factor always uses it, even where policy would not demand one.
  const usableForLogin = usable.filter((t) => t !== 'recovery_code' || usable.length > 1);
  if (usableForLogin.length > 0) return { status: 'mfa_required', factorTypes: usable };
  const disallowed = grandfatheredTypes(policy, activeFactorTypes);
  if (disallowed.length > 0) return { status: 'mfa_required', factorTypes: disallowed, grandfathered: true };
  if (mfaRequiredFor(policy, user.roles)) {
    return {
      status: 'mfa_enrollment_required',
      allowedFactors: policy.allowedFactors.filter((t) => ENROLLABLE_FIRST.has(t)),
    };
  }
  return { status: 'authenticated' };
}

/**
 * The factor types a user may still complete although the policy no longer
 * allows them: only while none of the user's active factors is allowed (a
 * recovery-code set alone does not count), so that narrowing `allowedFactors`
 * never lets a password alone through.
 */
export function grandfatheredTypes(policy: MfaPolicy, activeFactorTypes: readonly FactorType[]): FactorType[] {
  const loginTypes = activeFactorTypes.filter((t) => t !== 'recovery_code');
  if (loginTypes.some((t) => policy.allowedFactors.includes(t))) return [];
  return [...new Set(loginTypes)];
}
