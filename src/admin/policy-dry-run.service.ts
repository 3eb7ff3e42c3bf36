import { Injectable } from '@nestjs/common';
import { validationFailed } from '../common/errors/problem.exception.js';
import { CommonException } from '../common/errors/problem.exception.js';
import { Clock } from '../common/clock.js';
import { forecastLogin, loginNotice, mfaRequiredFor, nextGraceRecord, withGrace, type GraceRecord, type LoginForecast, type LoginOutcome } from '../mfa/assurance.js';
import { EnrollmentGraceService } from '../mfa/enrollment-grace.service.js';
import { isUUID } from 'class-validator';
import { MfaFactorsService } from '../mfa/mfa-factors.service.js';
import type { MfaPolicy } from '../policy/mfa-policy.js';
import { DEFAULT_RULE_NAME, type PolicySubject } from '../policy/policy-rules.js';
import { validatePolicyDocument } from '../policy/policy-validation.js';
import { PolicyService } from '../policy/policy.service.js';
import { UsersService } from '../users/users.service.js';

/** Users read per round trip: three statements per batch (users, then their factors and grace periods). */
const BATCH = 500;
/** Enough ids for an admin to look a few people up, never the whole population. */
const SAMPLE = 10;

type Outcomes = Record<LoginOutcome['status'], number>;

/** A group of affected users: how many, how many of them the candidate newly puts there, and the first ids. */
export interface AffectedUsers {
  count: number;
  /** Of `count`, those the policy in force does not put there today. */
  newly: number;
  sampleUserIds: string[];
}

export interface DryRunReport {
  /** The version in force that the candidate is compared with. */
  comparedWithVersion: number;
  users: number;
  rules: Array<{ index: number | null; name: string; matched: number; outcomes: Outcomes }>;
  outcomes: Outcomes;
  forcedToEnrol: AffectedUsers;
  /** MFA is required of them but their next login is still let in, within an enrolment grace period. */
  inEnrollmentGrace: AffectedUsers;
  lockedOut: AffectedUsers;
  moreFactorsRequired: AffectedUsers;
  shorterStepUp: AffectedUsers;
}

export interface EffectivePolicyView {
  userId: string;
  policyVersion: number;
  rule: { index: number | null; name: string };
  mode: MfaPolicy['mode'];
  mfaRequired: boolean;
  allowedFactors: MfaPolicy['allowedFactors'];
  minFactors: number;
  stepUpMaxAgeSeconds: number;
  nextLogin: {
    status: LoginOutcome['status'];
    factorTypes?: MfaPolicy['allowedFactors'];
    allowedFactors?: MfaPolicy['allowedFactors'];
    notice?: string;
    /** In an enrolment grace period: when it ends (days) and how many more logins it allows (logins). */
    mfaEnrollmentDueAt?: string;
    mfaEnrollmentLoginsRemaining?: number;
  };
}

/**
 * What a policy does to real users, without saving anything: the dry run of a
 * candidate document over every user, and one user's effective policy. Both
 * call forecastLogin, the function the login flow calls.
 */
@Injectable()
export class PolicyDryRunService {
  constructor(
    private readonly policy: PolicyService,
    private readonly users: UsersService,
    private readonly factors: MfaFactorsService,
    private readonly grace: EnrollmentGraceService,
    private readonly clock: Clock,
  ) {}

  async dryRun(input: unknown): Promise<DryRunReport> {
    const result = validatePolicyDocument(input);
    if (!result.ok) throw validationFailed(result.errors);
    const current = await this.policy.current();
    const candidate: MfaPolicy = { ...result.document, version: current.version + 1 };

    const ruleNames = [...(candidate.rules ?? []).map((rule, index) => ({ index, name: rule.name })), { index: null, name: DEFAULT_RULE_NAME }];
    const rules = ruleNames.map((r) => ({ ...r, matched: 0, outcomes: emptyOutcomes() }));
    const report: DryRunReport = {
      comparedWithVersion: current.version,
      users: 0,
      rules,
      outcomes: emptyOutcomes(),
      forcedToEnrol: emptyGroup(),
      inEnrollmentGrace: emptyGroup(),
      lockedOut: emptyGroup(),
      moreFactorsRequired: emptyGroup(),
      shorterStepUp: emptyGroup(),
    };

    const at = this.clock.now();
    let after: string | null = null;
    for (;;) {
      const page = await this.users.pageForPolicy(after, BATCH);
      if (page.length === 0) break;
      const ids = page.map((u) => u.id);
      const [types, graces] = await Promise.all([this.factors.activeTypesOf(ids), this.grace.standingsOf(ids)]);
      for (const user of page) {
        const active = types.get(user.id) ?? [];
        const grace = nextGraceRecord(graces.get(user.id), at);
        const next = withGrace(forecastLogin(candidate, user, active), grace, at);
        const now = withGrace(forecastLogin(current, user, active), grace, at);
        report.users++;
        report.outcomes[next.outcome.status]++;
        const rule = rules[next.rule.index ?? rules.length - 1];
        rule.matched++;
        rule.outcomes[next.outcome.status]++;
        count(report.forcedToEnrol, user, isEnrolment(next), isEnrolment(now));
        count(report.inEnrollmentGrace, user, inGrace(next), inGrace(now));
        count(report.lockedOut, user, isGrandfathered(next), isGrandfathered(now));
        count(report.moreFactorsRequired, user, needsMore(next), needsMore(now));
        count(report.shorterStepUp, user, next.rule.stepUpMaxAgeSeconds < now.rule.stepUpMaxAgeSeconds, false);
      }
      after = page[page.length - 1].id;
      if (page.length < BATCH) break;
    }
    return report;
  }

  async effectivePolicy(userId: string): Promise<EffectivePolicyView> {
    const user = isUUID(userId) ? await this.users.findById(userId) : null;
    if (!user) throw new CommonException('NOT_FOUND', { detail: 'No such user.' });
    const policy = await this.policy.current();
    const active = (await this.factors.listActive(user.id)).map((f) => f.type);
    const now = this.clock.now();
    const stored: GraceRecord | undefined = (await this.grace.standingsOf([user.id])).get(user.id);
    const forecast = withGrace(forecastLogin(policy, user, active), nextGraceRecord(stored, now), now);
    const { rule, outcome } = forecast;
    const notice = loginNotice(forecast);
    return {
      userId: user.id,
      policyVersion: policy.version,
      rule: { index: rule.index, name: rule.name },
      mode: rule.mode,
      mfaRequired: mfaRequiredFor(rule, user.roles),
      allowedFactors: rule.allowedFactors,
      minFactors: rule.minFactors,
      stepUpMaxAgeSeconds: rule.stepUpMaxAgeSeconds,
      nextLogin: {
        status: outcome.status,
        ...(outcome.status === 'mfa_required' ? { factorTypes: outcome.factorTypes } : {}),
        ...(outcome.status === 'mfa_enrollment_required' ? { allowedFactors: outcome.allowedFactors } : {}),
        ...(notice ?? {}),
        ...(outcome.status === 'authenticated' && outcome.enrollmentDue?.dueAt ? { mfaEnrollmentDueAt: outcome.enrollmentDue.dueAt.toISOString() } : {}),
        ...(outcome.status === 'authenticated' && outcome.enrollmentDue && outcome.enrollmentDue.loginsRemaining !== null
          ? { mfaEnrollmentLoginsRemaining: outcome.enrollmentDue.loginsRemaining }
          : {}),
      },
    };
  }
}

function isEnrolment(f: LoginForecast): boolean {
  return f.outcome.status === 'mfa_enrollment_required';
}

/** Their only factors are no longer allowed: the login still asks for them (grandfathered), but they must enrol an allowed one. */
function inGrace(f: LoginForecast): boolean {
  return f.outcome.status === 'authenticated' && f.outcome.enrollmentDue !== undefined;
}

function isGrandfathered(f: LoginForecast): boolean {
  return f.outcome.status === 'mfa_required' && f.outcome.grandfathered === true;
}

function needsMore(f: LoginForecast): boolean {
  return f.outcome.status === 'mfa_required' && f.outcome.moreFactorsNeeded === true;
}

function count(group: AffectedUsers, user: PolicySubject, inGroup: boolean, wasInGroup: boolean): void {
  if (!inGroup) return;
  group.count++;
  if (!wasInGroup) group.newly++;
  // Users come in id order, so the sample is the same on every run.
  if (group.sampleUserIds.length < SAMPLE) group.sampleUserIds.push(user.id);
}

function emptyOutcomes(): Outcomes {
  return { authenticated: 0, mfa_required: 0, mfa_enrollment_required: 0 };
}

function emptyGroup(): AffectedUsers {
  return { count: 0, newly: 0, sampleUserIds: [] };
}
