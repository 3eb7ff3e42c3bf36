import { DEFAULT_MFA_POLICY, type MfaPolicy } from '../../src/policy/mfa-policy.js';
import type { MfaPolicyDocument } from '../../src/policy/policy-validation.js';
import { PolicyService } from '../../src/policy/policy.service.js';
import { adminAccessToken, arrangedAccessToken } from '../support/admin-session.js';
import { registerAndLogin, startTestApp, type TestApp } from '../support/test-app.js';

const PATH = '/admin/mfa/policy';

/** The default document, fresh each time, with changes applied on top (`sms` is merged). */
function policyDocument(changes: Partial<Omit<MfaPolicyDocument, 'sms'>> & { sms?: Partial<MfaPolicyDocument['sms']> } = {}): MfaPolicyDocument {
  const { version: _version, ...defaults } = structuredClone(DEFAULT_MFA_POLICY);
  return { ...defaults, ...changes, sms: { ...defaults.sms, ...changes.sms } };
}

/** Sets one field of the default document by dotted path (`undefined` removes it). */
function withField(path: string, value: unknown): Record<string, unknown> {
  const document = policyDocument() as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let node = document;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return document;
}

describe('MFA policy administration', () => {
  let t: TestApp;
  let emails = 0;
  const nextEmail = (label: string) => `${label}-${++emails}@policy.example`;
  /** A new aal2 admin session for each test: a test that moves the clock must not expire another's token. */
  const freshAdmin = () => adminAccessToken(t, nextEmail('admin'));

  const put = (body: unknown, token: string) => t.request('PUT', PATH, { body, token });
  const storedVersions = async (): Promise<number[]> =>
    (await t.db.query(`SELECT version FROM mfa_policy_versions ORDER BY version`)).rows.map((r) => r.version);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the default as version 0, then stores a replacement as version 1 and serves that', async () => {
    const admin = await freshAdmin();
    const initial = await t.get(PATH, admin.accessToken);
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual(DEFAULT_MFA_POLICY);

    const document = policyDocument({ sms: { codeLength: 8, allowedCountries: ['GB', 'IE'] } });
    const replaced = await put(document, admin.accessToken);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ version: 1, ...document });

    const after = await t.get(PATH, admin.accessToken);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ version: 1, ...document });

    const { rows } = await t.db.query(`SELECT version, document, created_by FROM mfa_policy_versions`);
    expect(rows).toEqual([{ version: 1, document, created_by: admin.userId }]);
  });

  it('accepts the GET shape back, ignoring the version sent', async () => {
    const admin = await freshAdmin();
    const current = (await t.get<MfaPolicy>(PATH, admin.accessToken)).body;
    const replaced = await put({ ...current, version: 999, mode: 'optional' }, admin.accessToken);
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBe(current.version + 1);
  });

  describe('refuses a document that breaks a rule, with 400 VALIDATION_FAILED naming the field, and changes nothing', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an unknown mode', withField('mode', 'sometimes'), 'mode'],
      ['a missing mode', withField('mode', undefined), 'mode'],
      ['an unknown role', withField('requiredRoles', ['root']), 'requiredRoles[0]'],
      ['no allowed factor', withField('allowedFactors', []), 'allowedFactors'],
      ['an unknown factor type', withField('allowedFactors', ['sms', 'totp', 'voice']), 'allowedFactors[2]'],
      ['a repeated factor type', withField('allowedFactors', ['sms', 'sms']), 'allowedFactors[1]'],
      ['only recovery codes', withField('allowedFactors', ['recovery_code']), 'allowedFactors'],
      ['a missing sms section', withField('sms', undefined), 'sms'],
      ['an unknown sms field', withField('sms.foo', 1), 'sms.foo'],
      ['an unknown top-level field', withField('foo', 1), 'foo'],
      ['a 5-digit code', withField('sms.codeLength', 5), 'sms.codeLength'],
      ['an 11-digit code', withField('sms.codeLength', 11), 'sms.codeLength'],
      ['a code length that is not an integer', withField('sms.codeLength', '8'), 'sms.codeLength'],
      ['a code TTL over 600 s', withField('sms.ttlSeconds', 601), 'sms.ttlSeconds'],
      ['a code TTL under 60 s', withField('sms.ttlSeconds', 59), 'sms.ttlSeconds'],
      ['no attempts', withField('sms.maxAttempts', 0), 'sms.maxAttempts'],
      ['more than 10 attempts', withField('sms.maxAttempts', 11), 'sms.maxAttempts'],
      ['a negative resend cooldown', withField('sms.resendCooldownSeconds', -1), 'sms.resendCooldownSeconds'],
      ['a resend cooldown over an hour', withField('sms.resendCooldownSeconds', 3601), 'sms.resendCooldownSeconds'],
      ['more than 10 resends', withField('sms.maxResends', 11), 'sms.maxResends'],
      ['no sends an hour', withField('sms.maxSendsPerHourPerUser', 0), 'sms.maxSendsPerHourPerUser'],
      ['more than 100 sends an hour', withField('sms.maxSendsPerHourPerUser', 101), 'sms.maxSendsPerHourPerUser'],
      ['an unknown country code', withField('sms.allowedCountries', ['GB', 'XX']), 'sms.allowedCountries[1]'],
      ['a lower-case country code', withField('sms.allowedCountries', ['gb']), 'sms.allowedCountries[0]'],
      ['a repeated country code', withField('sms.allowedCountries', ['FR', 'FR']), 'sms.allowedCountries[1]'],
      ['more than 250 countries', withField('sms.allowedCountries', Array(251).fill('GB')), 'sms.allowedCountries'],
      ['a step-up window under 60 s', withField('stepUpMaxAgeSeconds', 59), 'stepUpMaxAgeSeconds'],
      ['a step-up window over a day', withField('stepUpMaxAgeSeconds', 86_401), 'stepUpMaxAgeSeconds'],
      ['an mfaToken TTL under 60 s', withField('mfaTokenTtlSeconds', 59), 'mfaTokenTtlSeconds'],
      ['an mfaToken TTL over 900 s', withField('mfaTokenTtlSeconds', 901), 'mfaTokenTtlSeconds'],
    ];

    it.each(cases)('%s', async (_label, body, field) => {
      const admin = await freshAdmin();
      const before = await t.get(PATH, admin.accessToken);
      const versionsBefore = await storedVersions();

      const res = await put(body, admin.accessToken);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.errors).toContainEqual({ field, message: expect.any(String) });

      expect(await storedVersions()).toEqual(versionsBefore);
      expect(await t.get(PATH, admin.accessToken)).toMatchObject({ status: 200, body: before.body });
    });

    it.each<[string, { raw?: string; body?: unknown }]>([
      ['an array', { raw: '[]' }],
      ['a string', { raw: '"optional"' }],
      ['null', { raw: 'null' }],
      ['no body at all', {}],
    ])('a body that is not an object: %s', async (_label, options) => {
      const admin = await freshAdmin();
      const versionsBefore = await storedVersions();
      const res = await t.request('PUT', PATH, { ...options, token: admin.accessToken });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toContainEqual({ field: 'body', message: expect.any(String) });
      expect(await storedVersions()).toEqual(versionsBefore);
    });
  });

  it('refuses a user without the admin role with 403 FORBIDDEN, even at aal2', async () => {
    const user = await arrangedAccessToken(t, nextEmail('user'), { roles: [], aal: 2 });
    const versionsBefore = await storedVersions();
    for (const res of [await t.get(PATH, user.accessToken), await put(policyDocument({ mode: 'off' }), user.accessToken)]) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
    expect(await storedVersions()).toEqual(versionsBefore);
  });

  it('tells an admin with a password-only (aal1) session to step up', async () => {
    const admin = await adminAccessToken(t, nextEmail('aal1-admin'), { aal: 1 });
    const versionsBefore = await storedVersions();
    for (const res of [await t.get(PATH, admin.accessToken), await put(policyDocument({ mode: 'off' }), admin.accessToken)]) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    }
    expect(await storedVersions()).toEqual(versionsBefore);
  });

  it('lets an admin whose second factor is older than stepUpMaxAgeSeconds read the policy but not change it', async () => {
    const setup = await freshAdmin();
    expect((await put(policyDocument({ stepUpMaxAgeSeconds: 900 }), setup.accessToken)).status).toBe(200);

    const admin = await freshAdmin();
    t.clock.advance(901);
    // The access token has expired by now; a refreshed one keeps the session's original auth_time.
    const refreshed = await t.post('/auth/refresh', { refreshToken: admin.refreshToken });
    expect(refreshed.status).toBe(200);
    const token = refreshed.body.accessToken;
    const versionsBefore = await storedVersions();

    const read = await t.get(PATH, token);
    expect(read.status).toBe(200);
    const change = await put(policyDocument({ mode: 'off' }), token);
    expect({ status: change.status, code: change.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    expect(await storedVersions()).toEqual(versionsBefore);
  });

  it('audits a change with the admin as actor and the leaf fields that changed', async () => {
    const admin = await freshAdmin();
    expect((await put(policyDocument(), admin.accessToken)).status).toBe(200);

    const changed = await put(
      policyDocument({ mode: 'required', allowedFactors: ['totp', 'webauthn'], sms: { codeLength: 8, allowedCountries: ['GB'] } }),
      admin.accessToken,
    );
    expect(changed.status).toBe(200);

    const { rows } = await t.db.query(
      `SELECT user_id, actor_id, ip, metadata FROM audit_events WHERE type = 'mfa.policy.changed' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows).toEqual([
      {
        user_id: null,
        actor_id: admin.userId,
        ip: expect.any(String),
        metadata: {
          version: changed.body.version,
          previousVersion: changed.body.version - 1,
          changes: {
            mode: { from: 'optional', to: 'required' },
            allowedFactors: { from: ['sms', 'totp', 'webauthn', 'recovery_code'], to: ['totp', 'webauthn'] },
            'sms.codeLength': { from: 6, to: 8 },
            'sms.allowedCountries': { from: [], to: ['GB'] },
          },
        },
      },
    ]);
  });

  it('puts a change in force on the very next request, without a restart', async () => {
    const admin = await freshAdmin();
    expect((await put(policyDocument({ mode: 'optional' }), admin.accessToken)).status).toBe(200);
    expect((await registerAndLogin(t, nextEmail('optional'))).status).toBe('authenticated');

    expect((await put(policyDocument({ mode: 'required', mfaTokenTtlSeconds: 120 }), admin.accessToken)).status).toBe(200);
    const required = await registerAndLogin(t, nextEmail('required'));
    expect(required).toMatchObject({ status: 'mfa_enrollment_required', expiresIn: 120, allowedFactors: ['sms', 'totp', 'webauthn'] });

    expect((await put(policyDocument({ mode: 'off' }), admin.accessToken)).status).toBe(200);
    const off = await registerAndLogin(t, nextEmail('off'));
    expect(off.status).toBe('authenticated');
  });

  it('reaches another instance within a second of the change', async () => {
    const other = await startTestApp({ sharing: t });
    try {
      const admin = await freshAdmin();
      // Signed by the other instance, against its own clock.
      const otherAdmin = await adminAccessToken(other, nextEmail('other-admin'));
      const before = await other.get<MfaPolicy>(PATH, otherAdmin.accessToken);
      expect(before.status).toBe(200);

      const changed = await put(policyDocument({ sms: { ttlSeconds: before.body.sms.ttlSeconds === 120 ? 180 : 120 } }), admin.accessToken);
      expect(changed.status).toBe(200);

      // The other instance may still serve its cached copy, but for no longer than the cache TTL.
      other.clock.advance(1.001);
      const after = await other.get<MfaPolicy>(PATH, otherAdmin.accessToken);
      expect(after.body).toEqual(changed.body);
    } finally {
      await other.close();
    }
  });

  it('reaches another instance through LISTEN/NOTIFY, without waiting for its cache to expire', async () => {
    const other = await startTestApp({ sharing: t });
    try {
      const admin = await freshAdmin();
      const otherAdmin = await adminAccessToken(other, nextEmail('notified-admin'));
      const before = await other.get<MfaPolicy>(PATH, otherAdmin.accessToken);
      const changed = await put(policyDocument({ sms: { ttlSeconds: before.body.sms.ttlSeconds === 120 ? 180 : 120 } }), admin.accessToken);
      expect(changed.status).toBe(200);
      // The other instance's clock does not move: only the notification can make it re-read.
      let seen: MfaPolicy | undefined;
      for (let i = 0; i < 50 && seen?.version !== changed.body.version; i++) {
        seen = (await other.get<MfaPolicy>(PATH, otherAdmin.accessToken)).body;
        if (seen.version !== changed.body.version) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toEqual(changed.body);
    } finally {
      await other.close();
    }
  });

  it('gives concurrent replacements distinct, consecutive versions, each audited against the one before', async () => {
    const admin = await freshAdmin();
    const start = (await t.get<MfaPolicy>(PATH, admin.accessToken)).body.version;

    const lengths = [6, 7, 8, 9, 10];
    const results = await Promise.all(lengths.map((codeLength) => put(policyDocument({ sms: { codeLength } }), admin.accessToken)));
    expect(results.map((r) => r.status)).toEqual(lengths.map(() => 200));
    const versions = results.map((r) => r.body.version as number).sort((a, b) => a - b);
    expect(versions).toEqual(lengths.map((_, i) => start + i + 1));

    // Each diff starts from what the version before it actually held: the writes were serialised.
    const history = await t.app.get(PolicyService).history(lengths.length + 1);
    expect(history.map((h) => h.policy.version)).toEqual([...versions].reverse().concat(start));
    const { rows } = await t.db.query(
      `SELECT metadata FROM audit_events WHERE type = 'mfa.policy.changed' AND (metadata->>'version')::int > $1`,
      [start],
    );
    expect(rows).toHaveLength(lengths.length);
    const codeLengthOf = new Map(history.map((h) => [h.policy.version, h.policy.sms.codeLength]));
    for (const { metadata } of rows) {
      const from = codeLengthOf.get(metadata.version - 1);
      const to = codeLengthOf.get(metadata.version);
      expect(metadata.changes['sms.codeLength'] ?? { from: to, to }).toEqual({ from, to });
    }
  });
});
