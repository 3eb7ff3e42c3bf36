import { DEFAULT_MFA_POLICY, type MfaPolicy } from '../policy/mfa-policy.js';
import { assuranceOf, isFreshEnough, type Amr } from '../vocabulary/assurance.js';
import { decideLogin, forecastLogin, graceStanding, mfaRequiredFor, nextGraceRecord, withGrace } from './assurance.js';
import { FACTOR_TYPES, type FactorType } from '../vocabulary/factor-type.js';

const policy = (overrides: Partial<MfaPolicy> = {}): MfaPolicy => ({ ...DEFAULT_MFA_POLICY, ...overrides });

describe('assuranceOf', () => {
  it.each<[Amr[], string]>([
    [[], 'aal1'],
    [['pwd'], 'aal1'],
    [['sms'], 'aal1'],
    [['pwd', 'sms'], 'aal2'],
    [['pwd', 'otp'], 'aal2'],
    [['pwd', 'hwk'], 'aal2'],
    [['pwd', 'swk'], 'aal2'],
    [['pwd', 'mfa'], 'aal2'],
  ])('%j gives %s', (amr, aal) => {
    expect(assuranceOf(amr)).toBe(aal);
  });
});

describe('mfaRequiredFor', () => {
  it('never requires MFA when the mode is off, even for required roles', () => {
    expect(mfaRequiredFor(policy({ mode: 'off' }), ['admin'])).toBe(false);
  });
  it('requires it for everyone when the mode is required', () => {
    expect(mfaRequiredFor(policy({ mode: 'required', requiredRoles: [] }), [])).toBe(true);
  });
  it('requires it under optional only for the listed roles', () => {
    expect(mfaRequiredFor(policy({ mode: 'optional' }), [])).toBe(false);
    expect(mfaRequiredFor(policy({ mode: 'optional' }), ['admin'])).toBe(true);
    expect(mfaRequiredFor(policy({ mode: 'optional', requiredRoles: [] }), ['admin'])).toBe(false);
  });
});

describe('decideLogin', () => {
  const modes = ['off', 'optional', 'required'] as const;
  const roleSets = [[], ['admin']] as const;
  const factorSets: FactorType[][] = [[], ['sms'], ['totp'], ['sms', 'webauthn'], ['recovery_code'], ['sms', 'recovery_code']];

  // Every combination of mode × roles × active factors, against the rules stated in product.md.
  for (const mode of modes) {
    for (const roles of roleSets) {
      for (const active of factorSets) {
        it(`mode=${mode} roles=${JSON.stringify(roles)} factors=${JSON.stringify(active)}`, () => {
          const outcome = decideLogin(policy({ mode }), { roles: [...roles] }, active);
          const hasLoginFactor = active.some((t) => t !== 'recovery_code');
          const required = mode === 'required' || (mode === 'optional' && roles.includes('admin' as never));
          if (mode === 'off') expect(outcome.status).toBe('authenticated');
          else if (hasLoginFactor) expect(outcome).toEqual({ status: 'mfa_required', factorTypes: [...new Set(active)] });
          else if (required) expect(outcome.status).toBe('mfa_enrollment_required');
          else expect(outcome.status).toBe('authenticated');
        });
      }
    }
  }

  it('offers only factors the policy allows', () => {
    const outcome = decideLogin(policy({ allowedFactors: ['totp'] }), { roles: [] }, ['sms', 'totp']);
    expect(outcome).toEqual({ status: 'mfa_required', factorTypes: ['totp'] });
  });

  it('keeps asking for a factor the policy no longer allows while the user has no allowed one, under every mode but off', () => {
    for (const mode of ['optional', 'required'] as const) {
      const outcome = decideLogin(policy({ mode, allowedFactors: ['totp', 'webauthn'] }), { roles: [] }, ['sms']);
      expect(outcome).toEqual({ status: 'mfa_required', factorTypes: ['sms'], grandfathered: true });
    }
    expect(decideLogin(policy({ mode: 'off', allowedFactors: ['totp'] }), { roles: [] }, ['sms'])).toEqual({ status: 'authenticated' });
  });

  it('stops offering a disallowed factor once the user has an allowed one', () => {
    const outcome = decideLogin(policy({ mode: 'required', allowedFactors: ['totp'] }), { roles: [] }, ['sms', 'totp']);
    expect(outcome).toEqual({ status: 'mfa_required', factorTypes: ['totp'] });
  });

  it('never offers recovery codes as a first factor to enrol', () => {
    const outcome = decideLogin(policy({ mode: 'required' }), { roles: [] }, []);
    expect(outcome).toEqual({ status: 'mfa_enrollment_required', allowedFactors: ['sms', 'totp', 'webauthn'] });
    expect(FACTOR_TYPES).toContain('recovery_code');
  });
});

describe('isFreshEnough', () => {
  const now = new Date('2026-01-01T00:15:00Z');
  it('accepts an authentication inside the window and refuses one outside', () => {
    expect(isFreshEnough(new Date('2026-01-01T00:00:00Z'), now, 900)).toBe(true);
    expect(isFreshEnough(new Date('2025-12-31T23:59:59Z'), now, 900)).toBe(false);
  });
});

describe('graceStanding', () => {
  const start = new Date('2026-12-01T10:00:00Z');
  const day = (n: number) => new Date(start.getTime() + n * 86_400_000);

  it('7 days: inside on days 0 to 6, over on day 7, with the deadline named', () => {
    for (let n = 0; n < 7; n++) {
      expect(graceStanding({ days: 7 }, { startedAt: start, logins: n + 1 }, day(n))).toEqual({ dueAt: day(7), loginsRemaining: null });
    }
    expect(graceStanding({ days: 7 }, { startedAt: start, logins: 8 }, new Date(day(7).getTime() - 1))).not.toBeNull();
    expect(graceStanding({ days: 7 }, { startedAt: start, logins: 8 }, day(7))).toBeNull();
  });
  it('3 logins: the first three are inside, the fourth is not', () => {
    expect([1, 2, 3, 4].map((logins) => graceStanding({ logins: 3 }, { startedAt: start, logins }, day(30))?.loginsRemaining ?? null)).toEqual([2, 1, 0, null]);
  });
  it('days and logins: whichever ends first', () => {
    expect(graceStanding({ days: 7, logins: 2 }, { startedAt: start, logins: 3 }, day(1))).toBeNull();
    expect(graceStanding({ days: 1, logins: 10 }, { startedAt: start, logins: 2 }, day(1))).toBeNull();
    expect(graceStanding({ days: 7, logins: 2 }, { startedAt: start, logins: 2 }, day(6))).toEqual({ dueAt: day(7), loginsRemaining: 0 });
  });
});

describe('withGrace', () => {
  const rule = { ...DEFAULT_MFA_POLICY, mode: 'required' as const, requiredRoles: [], rules: undefined };
  const now = new Date('2026-12-01T10:00:00Z');
  it('turns an enrolment answer into authenticated while the grace lasts', () => {
    const p = { ...rule, enrollmentGrace: { days: 7 } };
    const forecast = forecastLogin(p, { id: 'u', roles: [], groups: [] }, []);
    expect(withGrace(forecast, nextGraceRecord(null, now), now).outcome).toEqual({
      status: 'authenticated',
      enrollmentDue: { dueAt: new Date(now.getTime() + 7 * 86_400_000), loginsRemaining: null },
    });
  });
  it('leaves every other answer alone, and enrolment when the rule grants no grace', () => {
    const graced = { ...rule, enrollmentGrace: { logins: 5 } };
    const withFactor = forecastLogin(graced, { id: 'u', roles: [], groups: [] }, ['sms']);
    expect(withGrace(withFactor, nextGraceRecord(null, now), now)).toBe(withFactor);
    const none = forecastLogin(rule, { id: 'u', roles: [], groups: [] }, []);
    expect(withGrace(none, nextGraceRecord(null, now), now).outcome.status).toBe('mfa_enrollment_required');
  });
});
