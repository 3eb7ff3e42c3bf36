import type { Role } from '../vocabulary/role.js';
import type { FactorType } from '../vocabulary/factor-type.js';
import type { EnrollmentGrace, MfaMode, MfaPolicy, MfaPolicyRule } from './mfa-policy.js';

/** The name the default rule (the document's own fields) is reported under. */
export const DEFAULT_RULE_NAME = 'default';

/** Who a rule is matched against: what login, the guards and the dry run all know of a user. */
export interface PolicySubject {
  id: string;
  roles: readonly Role[];
  groups: readonly string[];
}

/** The rule that applies to one user, with every setting resolved. */
export interface EffectiveRule {
  /** Position in `rules`, or null for the default rule. */
  index: number | null;
  name: string;
  mode: MfaMode;
  /** Only the default rule has them (today's `requiredRoles`); an explicit rule says `required` itself. */
  requiredRoles: Role[];
  allowedFactors: FactorType[];
  minFactors: number;
  stepUpMaxAgeSeconds: number;
  enrollmentGrace: EnrollmentGrace | null;
}

export function ruleMatches(rule: Pick<MfaPolicyRule, 'match'>, subject: PolicySubject): boolean {
  const { roles = [], groups = [], userIds = [] } = rule.match;
  return (
    roles.some((role) => subject.roles.includes(role)) ||
    groups.some((group) => subject.groups.includes(group)) ||
    userIds.includes(subject.id)
  );
}

/**
 * The first rule that matches the user, else the default rule. Pure and in
 * memory: login, the guards, the dry run and the effective-policy route all
 * call it, so they cannot disagree about which rule a user falls under.
 */
export function effectiveRuleFor(policy: MfaPolicy, subject: PolicySubject): EffectiveRule {
  const rules = policy.rules ?? [];
  const index = rules.findIndex((rule) => ruleMatches(rule, subject));
  if (index < 0) {
    return {
      index: null,
      name: DEFAULT_RULE_NAME,
      mode: policy.mode,
      requiredRoles: policy.requiredRoles,
      allowedFactors: policy.allowedFactors,
      minFactors: policy.minFactors ?? 1,
      stepUpMaxAgeSeconds: policy.stepUpMaxAgeSeconds,
      enrollmentGrace: policy.enrollmentGrace ?? null,
    };
  }
  const rule = rules[index];
  return {
    index,
    name: rule.name,
    mode: rule.mode,
    requiredRoles: [],
    allowedFactors: rule.allowedFactors,
    minFactors: rule.minFactors ?? 1,
    stepUpMaxAgeSeconds: rule.stepUpMaxAgeSeconds,
    enrollmentGrace: rule.enrollmentGrace ?? null,
  };
}

/** Whether `type` is allowed to anyone: what a check that does not know the user (the SMS sender) can still refuse. */
export function allowedByAnyRule(policy: MfaPolicy, type: FactorType): boolean {
  return policy.allowedFactors.includes(type) || (policy.rules ?? []).some((rule) => rule.allowedFactors.includes(type));
}
