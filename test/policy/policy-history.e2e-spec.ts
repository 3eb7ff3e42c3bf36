import { adminAccessToken } from '../support/admin-session.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The policy's history: paged versions with diffs, rollback as a new version, and If-Match against lost updates. */
describe('MFA policy history and rollback', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof adminAccessToken>>;
  let base: Record<string, any>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAccessToken(t, 'history-admin@example.com');
    const { version: _version, ...document } = (await t.get('/admin/mfa/policy', admin.accessToken)).body;
    base = document;
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    admin = await adminAccessToken(t, 'history-admin@example.com');
  });

  async function put(document: Record<string, unknown>, headers: Record<string, string> = {}) {
    return t.request('PUT', '/admin/mfa/policy', { body: document, token: admin.accessToken, headers });
  }
  async function putOk(document: Record<string, unknown>) {
    const res = await put(document);
    expect(res.status).toBe(200);
    return res.body.version as number;
  }
  const storedVersions = async () => (await t.db.query(`SELECT version FROM mfa_policy_versions ORDER BY version`)).rows.map((r) => r.version);
  const withStepUp = (seconds: number) => ({ ...base, stepUpMaxAgeSeconds: seconds });

  it('pages through every version newest first, ending with version 0', async () => {
    const first = await putOk(withStepUp(600));
    for (const seconds of [700, 800, 900]) await putOk(withStepUp(seconds));
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await t.get(`/admin/mfa/policy/versions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((i: { version: number }) => i.version));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    const latest = first + 3;
    expect(seen).toEqual(Array.from({ length: latest + 1 }, (_, i) => latest - i));
    const page = (await t.get('/admin/mfa/policy/versions?limit=1', admin.accessToken)).body;
    expect(page.items[0]).toEqual({
      version: latest,
      createdBy: admin.userId,
      createdAt: expect.any(String),
      restoredFrom: null,
      changes: { stepUpMaxAgeSeconds: { from: 800, to: 900 } },
    });
  });

  it('one version carries its document and the diff against the previous one', async () => {
    const v = await putOk({ ...base, sms: { ...base.sms, codeLength: 8 }, allowedFactors: ['totp', 'webauthn'] });
    const res = await t.get(`/admin/mfa/policy/versions/${v}`, admin.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: v, previousVersion: v - 1, createdBy: admin.userId, restoredFrom: null });
    expect(res.body.policy).toEqual({ version: v, ...base, sms: { ...base.sms, codeLength: 8 }, allowedFactors: ['totp', 'webauthn'] });
    expect(res.body.changes).toEqual({
      'sms.codeLength': { from: base.sms.codeLength, to: 8 },
      allowedFactors: { from: expect.any(Array), to: ['totp', 'webauthn'] },
    });
    const zero = await t.get('/admin/mfa/policy/versions/0', admin.accessToken);
    expect(zero.body).toMatchObject({ version: 0, previousVersion: null, changes: {}, createdBy: null });
  });

  it('rollback to version N makes a new version with the same document, audited', async () => {
    const three = await putOk({ ...base, mode: 'required', stepUpMaxAgeSeconds: 300 });
    await putOk(withStepUp(1200));
    const latest = await putOk(withStepUp(1500));
    const res = await t.post('/admin/mfa/policy/rollback', { version: three }, admin.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(latest + 1);
    const { version: _a, ...restored } = res.body;
    const { version: _b, ...old } = (await t.get(`/admin/mfa/policy/versions/${three}`, admin.accessToken)).body.policy;
    expect(restored).toEqual(old);
    expect((await t.get('/admin/mfa/policy', admin.accessToken)).body).toEqual(res.body);
    const details = (await t.get(`/admin/mfa/policy/versions/${latest + 1}`, admin.accessToken)).body;
    expect(details).toMatchObject({ restoredFrom: three, previousVersion: latest, changes: { mode: { from: base.mode, to: 'required' }, stepUpMaxAgeSeconds: { from: 1500, to: 300 } } });
    const { rows } = await t.db.query(`SELECT actor_id, metadata FROM audit_events WHERE type = 'mfa.policy.rolled_back' ORDER BY id DESC LIMIT 1`);
    expect(rows[0]).toMatchObject({ actor_id: admin.userId, metadata: { version: latest + 1, previousVersion: latest, restoredVersion: three } });
    await putOk(base);
  });

  it('rollback needs a recent second factor and an existing version; nothing is stored otherwise', async () => {
    const weak = await adminAccessToken(t, 'history-admin@example.com', { aal: 1 });
    const aal1 = await t.post('/admin/mfa/policy/rollback', { version: 1 }, weak.accessToken);
    expect({ status: aal1.status, code: aal1.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    await putOk(withStepUp(300));
    const before = await storedVersions();
    t.clock.advance(301);
    try {
      const stale = await t.post('/admin/mfa/policy/rollback', { version: 1 }, admin.accessToken);
      expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    } finally {
      t.clock.advance(-301);
    }
    const missing = await t.post('/admin/mfa/policy/rollback', { version: 99_999 }, admin.accessToken);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    for (const body of [{}, { version: -1 }, { version: 'one' }, { version: 1.5 }, { version: 1, extra: true }]) {
      const res = await t.post('/admin/mfa/policy/rollback', body, admin.accessToken);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await storedVersions()).toEqual(before);
    await putOk(base);
  });

  it('a PUT with a stale If-Match is refused with 412 and stores nothing; the current version, quoted or not, passes', async () => {
    const read = await putOk(base);
    await putOk(withStepUp(600));
    const before = await storedVersions();
    const stale = await put(withStepUp(700), { 'If-Match': String(read) });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'PRECONDITION_FAILED', currentVersion: read + 1 });
    expect(stale.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await storedVersions()).toEqual(before);

    expect((await put(withStepUp(700), { 'If-Match': String(read + 1) })).status).toBe(200);
    expect((await put(withStepUp(800), { 'If-Match': `"${read + 2}"` })).status).toBe(200);
    expect((await put(withStepUp(900), { 'If-Match': '*' })).status).toBe(200);
    // Without If-Match the PUT behaves as it always has.
    expect((await put(base)).status).toBe(200);
  });

  it('of two admins who read the same version, exactly one writes with If-Match', async () => {
    const read = await putOk(base);
    const results = await Promise.all([600, 700, 800, 900].map((s) => put(withStepUp(s), { 'If-Match': String(read) })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);
  });

  it('refuses malformed versions, cursors and If-Match values with 400', async () => {
    for (const path of ['/admin/mfa/policy/versions/abc', '/admin/mfa/policy/versions/-1', '/admin/mfa/policy/versions/99999999999', '/admin/mfa/policy/versions?cursor=x', '/admin/mfa/policy/versions?limit=0']) {
      const res = await t.get(path, admin.accessToken);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
    const missing = await t.get('/admin/mfa/policy/versions/99999', admin.accessToken);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    for (const value of ['abc', 'W/"1"', '1, 2', '']) {
      const res = await put(base, { 'If-Match': value });
      expect({ value, status: res.status, code: res.body.code }).toEqual({ value, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('reading the history needs an aal2 admin', async () => {
    const weak = await adminAccessToken(t, 'history-admin@example.com', { aal: 1 });
    const res = await t.get('/admin/mfa/policy/versions', weak.accessToken);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
  });
});
