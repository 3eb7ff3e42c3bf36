import { DEFAULT_MFA_POLICY, type MfaPolicy, type MfaPolicyRule } from './mfa-policy.js';
import { allowedByAnyRule, effectiveRuleFor, ruleMatches, type PolicySubject } from './policy-rules.js';
import { decideLogin } from '../mfa/assurance.js';
import type { FactorType } from '../vocabulary/factor-type.js';

const ADA = '0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87';
const BOB = '5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';

const subject = (overrides: Partial<PolicySubject> = {}): PolicySubject => ({ id: BOB, roles: [], groups: [], ...overrides });
const rule = (name: string, match: MfaPolicyRule['match'], overrides: Partial<MfaPolicyRule> = {}): MfaPolicyRule => ({
  name,
  match,
  mode: 'required',
  allowedFactors: ['webauthn', 'totp'],
  stepUpMaxAgeSeconds: 300,
  ...overrides,
});
const policy = (rules?: MfaPolicyRule[], overrides: Partial<MfaPolicy> = {}): MfaPolicy => ({ ...DEFAULT_MFA_POLICY, ...overrides, ...(rules ? { rules } : {}) });

describe('ruleMatches', () => {
  const cases: Array<[string, MfaPolicyRule['match'], PolicySubject, boolean]> = [
    ['a role the user holds', { roles: ['admin'] }, subject({ roles: ['admin'] }), true],
    ['a role the user lacks', { roles: ['admin'] }, subject(), false],
    ['one of the user groups', { groups: ['finance', 'ops'] }, subject({ groups: ['ops'] }), true],
    ['a group the user is not in', { groups: ['finance'] }, subject({ groups: ['ops'] }), false],
    ['the user id', { userIds: [BOB] }, subject(), true],
    ['another user id', { userIds: [ADA] }, subject(), false],
    ['any one list naming the user (roles miss, group hits)', { roles: ['admin'], groups: ['ops'] }, subject({ groups: ['ops'] }), true],
    ['none of three lists naming the user', { roles: ['admin'], groups: ['ops'], userIds: [ADA] }, subject({ groups: ['finance'] }), false],
    ['empty lists', { roles: [], groups: [], userIds: [] }, subject({ roles: ['admin'], groups: ['ops'] }), false],
  ];
  it.each(cases)('%s', (_name, match, who, expected) => {
    expect(ruleMatches({ match }, who)).toBe(expected);
  });
});

describe('effectiveRuleFor', () => {
  it('reads a document of today’s shape (no rules) as its one default rule', () => {
    const legacy = policy(undefined, { mode: 'optional', requiredRoles: ['admin'], stepUpMaxAgeSeconds: 600 });
    expect(effectiveRuleFor(legacy, subject({ roles: ['admin'] }))).toEqual({
      index: null,
      name: 'default',
      mode: 'optional',
      requiredRoles: ['admin'],
      allowedFactors: DEFAULT_MFA_POLICY.allowedFactors,
      minFactors: 1,
      stepUpMaxAgeSeconds: 600,
      enrollmentGrace: null,
    });
  });

  it('the first matching rule wins, even when a later one matches too', () => {
    const p = policy([rule('admins', { roles: ['admin'] }, { stepUpMaxAgeSeconds: 300 }), rule('ops', { groups: ['ops'] }, { stepUpMaxAgeSeconds: 120 })]);
    const both = subject({ roles: ['admin'], groups: ['ops'] });
    expect(effectiveRuleFor(p, both)).toMatchObject({ index: 0, name: 'admins', stepUpMaxAgeSeconds: 300 });
    expect(effectiveRuleFor(p, subject({ groups: ['ops'] }))).toMatchObject({ index: 1, name: 'ops', stepUpMaxAgeSeconds: 120 });
  });

  it('falls through to the default rule when no rule matches', () => {
    const p = policy([rule('admins', { roles: ['admin'] })], { mode: 'optional', requiredRoles: [] });
    expect(effectiveRuleFor(p, subject())).toMatchObject({ index: null, name: 'default', mode: 'optional' });
  });

  it('an explicit rule carries no requiredRoles: its own mode decides', () => {
    const p = policy([rule('admins', { roles: ['admin'] }, { mode: 'optional' })], { requiredRoles: ['admin'] });
    expect(effectiveRuleFor(p, subject({ roles: ['admin'] }))).toMatchObject({ mode: 'optional', requiredRoles: [] });
  });

  it('takes minFactors from the rule, 1 when absent', () => {
    const p = policy([rule('two', { userIds: [BOB] }, { minFactors: 2 })], { minFactors: 3 });
    expect(effectiveRuleFor(p, subject()).minFactors).toBe(2);
    expect(effectiveRuleFor(p, subject({ id: ADA })).minFactors).toBe(3);
    expect(effectiveRuleFor(policy([rule('x', { userIds: [BOB] })]), subject()).minFactors).toBe(1);
  });
});

describe('allowedByAnyRule', () => {
  it('looks at the default rule and every explicit rule', () => {
    const p = policy([rule('sms-ok', { groups: ['field'] }, { allowedFactors: ['sms'] })], { allowedFactors: ['totp'] });
    expect(allowedByAnyRule(p, 'sms')).toBe(true);
    expect(allowedByAnyRule(p, 'totp')).toBe(true);
    expect(allowedByAnyRule(p, 'webauthn')).toBe(false);
  });
});

/**
 * The acceptance policy of the rules feature: admins must use WebAuthn or TOTP
 * with a 300 s step-up window, everyone else is optional.
 */
describe('admins → required [webauthn, totp], default optional', () => {
  const p = policy([rule('admins', { roles: ['admin'] })], { mode: 'optional', requiredRoles: [] });
  const admin = subject({ roles: ['admin'] });
  const login = (who: PolicySubject, factors: FactorType[]) => decideLogin(effectiveRuleFor(p, who), who, factors);

  it('an admin without TOTP or WebAuthn is asked to enrol one of them', () => {
    expect(login(admin, [])).toEqual({ status: 'mfa_enrollment_required', allowedFactors: ['webauthn', 'totp'] });
  });
  it('an SMS-only admin must still pass SMS, told it is not allowed for them', () => {
    expect(login(admin, ['sms'])).toEqual({ status: 'mfa_required', factorTypes: ['sms'], grandfathered: true });
  });
  it('an admin with TOTP uses it, and not SMS', () => {
    expect(login(admin, ['sms', 'totp'])).toEqual({ status: 'mfa_required', factorTypes: ['totp'] });
  });
  it('a non-admin is unaffected', () => {
    expect(login(subject(), [])).toEqual({ status: 'authenticated' });
    expect(login(subject(), ['sms'])).toEqual({ status: 'mfa_required', factorTypes: ['sms'] });
  });
  it('the admin step-up window is 300 s and everyone else keeps the default', () => {
    expect(effectiveRuleFor(p, admin).stepUpMaxAgeSeconds).toBe(300);
    expect(effectiveRuleFor(p, subject()).stepUpMaxAgeSeconds).toBe(DEFAULT_MFA_POLICY.stepUpMaxAgeSeconds);
  });
});

describe('minFactors in the login decision', () => {
  const p = policy([rule('two', { groups: ['finance'] }, { allowedFactors: ['sms', 'totp', 'recovery_code'], minFactors: 2 })]);
  const who = subject({ groups: ['finance'] });
  it('with fewer login factors than the minimum, the user signs in with theirs and is told to add one', () => {
    expect(decideLogin(effectiveRuleFor(p, who), who, ['sms', 'recovery_code'])).toEqual({
      status: 'mfa_required',
      factorTypes: ['sms', 'recovery_code'],
      moreFactorsNeeded: true,
    });
  });
  it('two factors of one type count as two', () => {
    expect(decideLogin(effectiveRuleFor(p, who), who, ['totp', 'totp'])).toEqual({ status: 'mfa_required', factorTypes: ['totp'] });
  });
  it('the minimum is not asked of a user the rule does not require MFA of', () => {
    const optional = policy([rule('two', { groups: ['finance'] }, { mode: 'optional', minFactors: 2, allowedFactors: ['sms'] })]);
    expect(decideLogin(effectiveRuleFor(optional, who), who, ['sms'])).toEqual({ status: 'mfa_required', factorTypes: ['sms'] });
  });
});
