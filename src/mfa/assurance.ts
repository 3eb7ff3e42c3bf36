import type { Role } from '../vocabulary/role.js';
import type { EnrollmentGrace, MfaPolicy, MfaRuleSettings } from '../policy/mfa-policy.js';
import { effectiveRuleFor, type EffectiveRule, type PolicySubject } from '../policy/policy-rules.js';
import { assertNever, type FactorType } from '../vocabulary/factor-type.js';

export type LoginOutcome =
  /** `enrollmentDue`: MFA is required but the user is in an enrolment grace period (they should enrol before it ends). */
  | { status: 'authenticated'; enrollmentDue?: GraceStanding }
  /**
   * `grandfathered`: the user's only factors are of types the policy no
   * longer allows. They keep working until the user enrols an allowed one
   * (narrowing the policy must neither turn MFA off nor lock anyone out).
   */
  | { status: 'mfa_required'; factorTypes: FactorType[]; grandfathered?: true; moreFactorsNeeded?: true }
  | { status: 'mfa_enrollment_required'; allowedFactors: FactorType[] };

/** Recovery codes get a user back in; they are never a first factor to enrol on their own. */
const ENROLLABLE_FIRST: ReadonlySet<FactorType> = new Set(['sms', 'totp', 'webauthn']);

/**
 * What the login decision reads of the rule that applies to the user
 * (policy-rules.ts effectiveRuleFor); a whole policy document is its own
 * default rule and fits too.
 */
export type LoginRule = Pick<MfaRuleSettings, 'mode' | 'allowedFactors' | 'minFactors'> & { requiredRoles: readonly Role[] };

export function mfaRequiredFor(policy: LoginRule, roles: readonly Role[]): boolean {
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
  policy: LoginRule,
  user: { roles: readonly Role[] },
  activeFactorTypes: readonly FactorType[],
): LoginOutcome {
  if (policy.mode === 'off') return { status: 'authenticated' };
  const usable = [...new Set(activeFactorTypes.filter((t) => policy.allowedFactors.includes(t)))];
  // A user who has a second factor always uses it, even where policy would not demand one.
  const usableForLogin = usable.filter((t) => t !== 'recovery_code' || usable.length > 1);
  if (usableForLogin.length > 0) {
    const loginFactors = activeFactorTypes.filter((t) => t !== 'recovery_code' && policy.allowedFactors.includes(t)).length;
    // Short of the rule's minimum: the user still signs in with what they have, and is told to enrol more.
    const short = mfaRequiredFor(policy, user.roles) && loginFactors < (policy.minFactors ?? 1);
    return { status: 'mfa_required', factorTypes: usable, ...(short ? { moreFactorsNeeded: true as const } : {}) };
  }
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
export function grandfatheredTypes(policy: Pick<LoginRule, 'allowedFactors'>, activeFactorTypes: readonly FactorType[]): FactorType[] {
  const loginTypes = activeFactorTypes.filter((t) => t !== 'recovery_code');
  if (loginTypes.some((t) => policy.allowedFactors.includes(t))) return [];
  return [...new Set(loginTypes)];
}

/** What the next password login of a user does, and under which rule. */
export interface LoginForecast {
  rule: EffectiveRule;
  outcome: LoginOutcome;
}

/**
 * The one evaluation of a login: the user's rule, then the decision. The login
 * flow, the dry run and the effective-policy route all call this, so what an
 * admin is shown is what the next login does.
 */
export function forecastLogin(policy: MfaPolicy, subject: PolicySubject, activeFactorTypes: readonly FactorType[]): LoginForecast {
  const rule = effectiveRuleFor(policy, subject);
  return { rule, outcome: decideLogin(rule, subject, activeFactorTypes) };
}

export type LoginNotice = 'FACTOR_NO_LONGER_ALLOWED' | 'MORE_FACTORS_REQUIRED';

/**
 * What the login response tells the user besides the factors to complete:
 * FACTOR_NO_LONGER_ALLOWED when the factors offered are only grandfathered
 * ones, MORE_FACTORS_REQUIRED when the rule's minimum is not met; either way
 * with the factor types they may enrol.
 */
export function loginNotice(forecast: LoginForecast): { notice: LoginNotice; allowedFactors: FactorType[] } | null {
  const { outcome, rule } = forecast;
  if (outcome.status !== 'mfa_required') return null;
  const notice = outcome.grandfathered ? 'FACTOR_NO_LONGER_ALLOWED' : outcome.moreFactorsNeeded ? 'MORE_FACTORS_REQUIRED' : null;
  return notice ? { notice, allowedFactors: rule.allowedFactors.filter((t) => ENROLLABLE_FIRST.has(t)) } : null;
}

const DAY_MS = 86_400_000;

/** A user's grace period so far, counting the login being decided. */
export interface GraceRecord {
  startedAt: Date;
  logins: number;
}

export interface GraceStanding {
  /** Null when the grace is counted in logins only. */
  dueAt: Date | null;
  /** Logins left after this one; null when the grace is counted in days only. */
  loginsRemaining: number | null;
}

/**
 * Where a login falls in a grace period: inside it until `days` after the
 * start (day 0 to day days-1) and for the first `logins` logins, whichever
 * ends first; null once it is over.
 */
export function graceStanding(grace: EnrollmentGrace, record: GraceRecord, now: Date): GraceStanding | null {
  const dueAt = grace.days === undefined ? null : new Date(record.startedAt.getTime() + grace.days * DAY_MS);
  if (dueAt !== null && now.getTime() >= dueAt.getTime()) return null;
  if (grace.logins !== undefined && record.logins > grace.logins) return null;
  return { dueAt, loginsRemaining: grace.logins === undefined ? null : grace.logins - record.logins };
}

/** Whether this login's answer depends on a grace period: it asks to enrol and the rule grants one. */
export function hasGrace(forecast: LoginForecast): forecast is LoginForecast & { rule: { enrollmentGrace: EnrollmentGrace } } {
  return forecast.outcome.status === 'mfa_enrollment_required' && forecast.rule.enrollmentGrace !== null;
}

/** The forecast with the grace period applied: an enrolment answer becomes `authenticated` while the grace lasts. */
export function withGrace(forecast: LoginForecast, record: GraceRecord, now: Date): LoginForecast {
  if (!hasGrace(forecast)) return forecast;
  const standing = graceStanding(forecast.rule.enrollmentGrace, record, now);
  return standing ? { ...forecast, outcome: { status: 'authenticated', enrollmentDue: standing } } : forecast;
}

/** What the next login would count: one more login of a grace period already started, or the first of a new one. */
export function nextGraceRecord(stored: GraceRecord | null | undefined, now: Date): GraceRecord {
  return stored ? { startedAt: stored.startedAt, logins: stored.logins + 1 } : { startedAt: now, logins: 1 };
}
