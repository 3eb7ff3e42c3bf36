import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { decodeJwt } from 'jose';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from '../fakes/soft-authenticator.js';
import { startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import type { HttpResult } from '../support/test-app.js';

const ORIGIN = 'https://app.example.com';
const PASSWORD = 'correct horse battery';
const LIBRARY_TEXT = /Unexpected|expected|RP ID|hash|counter|\bat \S+ \(|node_modules|TypeError|SyntaxError|evil/i;

describe('WebAuthn second factor: register a passkey or security key, log in with it', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp({ env: { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ORIGIN } });
  });
  afterAll(async () => {
    await t.close();
  });

  type SmsUser = Awaited<ReturnType<typeof userWithSms>>;

  /** A fresh aal2 session: step up the user's signed-in session with their SMS factor. */
  async function steppedUp(user: SmsUser): Promise<string> {
    const stepUp = await t.post('/auth/step-up', undefined, user.accessToken);
    expect(stepUp.status).toBe(200);
    const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, stepUp.body.mfaToken);
    const verified = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: t.lastCode(user.phone) }, stepUp.body.mfaToken);
    expect(verified.status).toBe(200);
    return verified.body.accessToken;
  }

  async function registrationOptions(token: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const res = await t.post('/me/mfa/factors/webauthn/options', undefined, token);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** A user with an SMS factor and a registered WebAuthn credential. */
  async function userWithPasskey(email: string, options: SoftAuthenticatorOptions = {}) {
    const user = await userWithSms(t, email);
    const token = await steppedUp(user);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN, ...options });
    const registered = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(await registrationOptions(token)) }, token);
    expect(registered.status).toBe(201);
    return { ...user, token, authenticator, webauthnFactorId: registered.body.id as string };
  }

  /** Password login up to a started WebAuthn challenge. */
  async function webauthnChallenge(email: string, factorId: string) {
    const login = await t.post('/auth/login', { email, password: PASSWORD });
    expect(login.body.status).toBe('mfa_required');
    const challenge = await t.post('/auth/mfa/challenges', { factorId }, login.body.mfaToken);
    expect(challenge.status).toBe(201);
    return {
      mfaToken: login.body.mfaToken as string,
      challengeId: challenge.body.challengeId as string,
      options: challenge.body.options as PublicKeyCredentialRequestOptionsJSON,
      body: challenge.body,
      login: login.body,
    };
  }

  function verify(mfaToken: string, challengeId: string, credential: unknown) {
    return t.post('/auth/mfa/verify', { challengeId, credential }, mfaToken);
  }

  function expectGenericRefusal(res: HttpResult) {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'MFA_INVALID_CODE', attemptsRemaining: 0 });
    expect(res.text).not.toMatch(LIBRARY_TEXT);
  }

  async function storedCounter(factorId: string): Promise<number> {
    const { rows } = await t.db.query(`SELECT counter FROM webauthn_credentials WHERE factor_id = $1`, [factorId]);
    return Number(rows[0].counter);
  }

  it('registers a security key after step-up, then a login lists both factors and the key completes it with amr hwk', async () => {
    const user = await userWithSms(t, 'alice@example.com');

    // The SMS factor is active, so adding another needs a fresh second factor first.
    const refused = await t.post('/me/mfa/factors/webauthn/options', undefined, user.accessToken);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('STEP_UP_REQUIRED');

    const token = await steppedUp(user);
    const options = await registrationOptions(token);
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Sesame' },
      user: { id: Buffer.from(user.userId).toString('base64url'), name: 'alice@example.com' },
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{32,}$/),
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      timeout: 120_000,
    });

    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const registered = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(options) }, token);
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({
      id: expect.any(String),
      type: 'webauthn',
      label: 'Security key',
      status: 'active',
      createdAt: expect.any(String),
      lastUsedAt: null,
    });
    const factorId: string = registered.body.id;
    const { rows } = await t.db.query(`SELECT credential_id, counter, transports, device_type, backed_up, aaguid FROM webauthn_credentials WHERE factor_id = $1`, [factorId]);
    expect(rows).toEqual([
      {
        credential_id: authenticator.credentialId,
        counter: '0',
        transports: ['internal'],
        device_type: 'singleDevice',
        backed_up: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
      },
    ]);
    const { rows: events } = await t.db.query(`SELECT type FROM audit_events WHERE user_id = $1 AND metadata->>'factorId' = $2 ORDER BY id`, [user.userId, factorId]);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['mfa.factor.enrolled', 'mfa.factor.activated']);

    // The next registration is told not to create a second credential on the same authenticator.
    const again = await registrationOptions(token);
    expect(again.excludeCredentials).toEqual([{ id: authenticator.credentialId, type: 'public-key', transports: ['internal'] }]);

    const { mfaToken, challengeId, options: requestOptions, body, login } = await webauthnChallenge('alice@example.com', factorId);
    expect(login.factors).toEqual([
      { id: user.factorId, type: 'sms', label: expect.any(String) },
      { id: factorId, type: 'webauthn', label: 'Security key' },
    ]);
    expect(body).toEqual({ challengeId: expect.any(String), factorId, type: 'webauthn', expiresAt: expect.any(String), options: expect.any(Object) });
    expect(Date.parse(body.expiresAt) - t.clock.now().getTime()).toBeGreaterThan(100_000);
    expect(Date.parse(body.expiresAt) - t.clock.now().getTime()).toBeLessThanOrEqual(120_000);
    expect(requestOptions).toMatchObject({
      rpId: 'localhost',
      allowCredentials: [{ id: authenticator.credentialId, type: 'public-key', transports: ['internal'] }],
      userVerification: 'preferred',
    });

    const verified = await verify(mfaToken, challengeId, authenticator.getAssertion(requestOptions));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'authenticated', tokenType: 'Bearer' });
    expect(decodeJwt(verified.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'hwk'] });
    expect(await storedCounter(factorId)).toBe(1);

    const factors = await t.get('/me/mfa/factors', verified.body.accessToken);
    expect(factors.body).toContainEqual(expect.objectContaining({ id: factorId, lastUsedAt: expect.any(String) }));
    const { rows: verifiedEvents } = await t.db.query(
      `SELECT metadata FROM audit_events WHERE user_id = $1 AND type = 'mfa.code.verified' AND metadata->>'factorType' = 'webauthn'`,
      [user.userId],
    );
    expect(verifiedEvents).toHaveLength(1);

    // The same answer again: the challenge is spent.
    const replayed = await verify(mfaToken, challengeId, authenticator.getAssertion(requestOptions));
    expect(replayed.status).toBe(410);
    expect(replayed.body.code).toBe('MFA_CHALLENGE_USED');
  });

  it('a synced passkey is named Passkey and logs in with amr swk', async () => {
    const user = await userWithPasskey('bob@example.com', { backupEligible: true, backedUp: true });
    const factors = await t.get('/me/mfa/factors', user.token);
    expect(factors.body).toContainEqual(expect.objectContaining({ id: user.webauthnFactorId, type: 'webauthn', label: 'Passkey' }));

    const { mfaToken, challengeId, options } = await webauthnChallenge('bob@example.com', user.webauthnFactorId);
    const verified = await verify(mfaToken, challengeId, user.authenticator.getAssertion(options));
    expect(verified.status).toBe(200);
    expect(decodeJwt(verified.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'swk'] });
  });

  it('a label given at registration is kept', async () => {
    const user = await userWithSms(t, 'labels@example.com');
    const token = await steppedUp(user);
    const credential = new SoftAuthenticator({ origin: ORIGIN }).createCredential(await registrationOptions(token));
    const registered = await t.post('/me/mfa/factors/webauthn', { credential, label: 'YubiKey on my keyring' }, token);
    expect(registered.status).toBe(201);
    expect(registered.body.label).toBe('YubiKey on my keyring');
  });

  it('refuses an assertion from the wrong origin, for the wrong RP ID, for another challenge, by another key, or for another credential', async () => {
    const user = await userWithPasskey('carol@example.com');
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    const cases: Array<[string, (options: PublicKeyCredentialRequestOptionsJSON) => Promise<unknown>]> = [
      ['wrong origin', async (o) => user.authenticator.getAssertion(o, { origin: 'https://evil.example.com' })],
      ['wrong RP ID', async (o) => user.authenticator.getAssertion(o, { rpId: 'evil.example.com' })],
      [
        'an answer to another challenge',
        async () => {
          const other = await webauthnChallenge('carol@example.com', user.webauthnFactorId);
          return user.authenticator.getAssertion(other.options);
        },
      ],
      [
        'a signature by another key',
        async (o) => ({ ...stranger.getAssertion(o), id: user.authenticator.credentialId, rawId: user.authenticator.credentialId }),
      ],
      ['another credential', async (o) => stranger.getAssertion(o)],
    ];
    for (const [label, answer] of cases) {
      const { mfaToken, challengeId, options } = await webauthnChallenge('carol@example.com', user.webauthnFactorId);
      const res = await verify(mfaToken, challengeId, await answer(options));
      expect({ label, status: res.status }).toEqual({ label, status: 401 });
      expectGenericRefusal(res);

      // The challenge was spent on the refused answer: the right one no longer works with it.
      const retry = await verify(mfaToken, challengeId, user.authenticator.getAssertion(options));
      expect({ label, status: retry.status, code: retry.body.code }).toEqual({ label, status: 410, code: 'MFA_CHALLENGE_USED' });
    }

    const { rows: failures } = await t.db.query(`SELECT factor_type FROM mfa_failures WHERE user_id = $1`, [user.userId]);
    expect(failures).toEqual(Array(cases.length).fill({ factor_type: 'webauthn' }));
    const { rows: audited } = await t.db.query(
      `SELECT metadata->>'reason' AS reason FROM audit_events WHERE user_id = $1 AND type = 'mfa.code.failed' AND metadata->>'factorType' = 'webauthn' ORDER BY id`,
      [user.userId],
    );
    expect(audited.map((r: { reason: string }) => r.reason)).toEqual(['origin', 'rp_id', 'challenge', 'signature', 'credential']);
    expect(t.logs.join('\n')).not.toMatch(/Unexpected authentication response/);
  });

  it('refuses a signature counter that goes backwards (a cloned authenticator, WebAuthn §6.1.1)', async () => {
    const user = await userWithPasskey('dave@example.com');
    for (let i = 0; i < 3; i++) {
      const { mfaToken, challengeId, options } = await webauthnChallenge('dave@example.com', user.webauthnFactorId);
      expect((await verify(mfaToken, challengeId, user.authenticator.getAssertion(options))).status).toBe(200);
    }
    expect(await storedCounter(user.webauthnFactorId)).toBe(3);

    user.authenticator.signCount = 1;
    const { mfaToken, challengeId, options } = await webauthnChallenge('dave@example.com', user.webauthnFactorId);
    const cloned = await verify(mfaToken, challengeId, user.authenticator.getAssertion(options));
    expectGenericRefusal(cloned);
    expect(await storedCounter(user.webauthnFactorId)).toBe(3);

    // The same count as stored is refused too: every use must move it forward.
    user.authenticator.signCount = 2;
    const again = await webauthnChallenge('dave@example.com', user.webauthnFactorId);
    expectGenericRefusal(await verify(again.mfaToken, again.challengeId, user.authenticator.getAssertion(again.options)));
  });

  it('of two assertions carrying the same counter value, only one is accepted', async () => {
    const user = await userWithPasskey('erin@example.com');
    const first = await webauthnChallenge('erin@example.com', user.webauthnFactorId);
    const second = await webauthnChallenge('erin@example.com', user.webauthnFactorId);
    const results = await Promise.all([
      verify(first.mfaToken, first.challengeId, user.authenticator.getAssertion(first.options, { signCount: 7 })),
      verify(second.mfaToken, second.challengeId, user.authenticator.getAssertion(second.options, { signCount: 7 })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(await storedCounter(user.webauthnFactorId)).toBe(7);
  });

  it('of concurrent submissions of one correct answer, exactly one wins', async () => {
    const user = await userWithPasskey('frank@example.com');
    const { mfaToken, challengeId, options } = await webauthnChallenge('frank@example.com', user.webauthnFactorId);
    const assertion = user.authenticator.getAssertion(options);
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(mfaToken, challengeId, assertion)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map((r) => r.body.code)).toEqual(Array(4).fill('MFA_CHALLENGE_USED'));
  });

  it('a challenge expires after two minutes, and belongs only to the login attempt it was issued to', async () => {
    const user = await userWithPasskey('grace@example.com');
    const { mfaToken, challengeId, options } = await webauthnChallenge('grace@example.com', user.webauthnFactorId);

    // Another login attempt of the same user cannot answer it.
    const other = await t.post('/auth/login', { email: 'grace@example.com', password: PASSWORD });
    const foreign = await verify(other.body.mfaToken, challengeId, user.authenticator.getAssertion(options));
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');

    t.clock.advance(121);
    try {
      const late = await verify(mfaToken, challengeId, user.authenticator.getAssertion(options));
      expect(late.status).toBe(410);
      expect(late.body.code).toBe('MFA_CHALLENGE_EXPIRED');
    } finally {
      t.clock.advance(-121);
    }
  });

  it('registration: the challenge is single use, short-lived and checked with origin and RP ID', async () => {
    const user = await userWithSms(t, 'heidi@example.com');
    const token = await steppedUp(user);

    // A registration response replayed: the challenge is spent.
    const options = await registrationOptions(token);
    const credential = new SoftAuthenticator({ origin: ORIGIN }).createCredential(options);
    expect((await t.post('/me/mfa/factors/webauthn', { credential }, token)).status).toBe(201);
    const replayed = await t.post('/me/mfa/factors/webauthn', { credential }, token);
    expect(replayed.status).toBe(410);
    expect(replayed.body.code).toBe('MFA_CHALLENGE_USED');

    // Wrong origin, wrong RP ID, a challenge never issued: refused, with nothing of the reason.
    for (const overrides of [{ origin: 'https://evil.example.com' }, { rpId: 'evil.example.com' }, { challenge: 'bm90LWlzc3VlZC1ieS11cw' }]) {
      const fresh = await registrationOptions(token);
      const res = await t.post('/me/mfa/factors/webauthn', { credential: new SoftAuthenticator({ origin: ORIGIN }).createCredential(fresh, overrides) }, token);
      expect({ overrides, status: res.status, code: res.body.code }).toEqual({ overrides, status: 401, code: 'MFA_INVALID_CODE' });
      expect(res.text).not.toMatch(LIBRARY_TEXT);
    }

    // A refused response spends the challenge too.
    const spentOptions = await registrationOptions(token);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    expect((await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(spentOptions, { origin: 'https://evil.example.com' }) }, token)).status).toBe(401);
    const afterRefusal = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(spentOptions) }, token);
    expect(afterRefusal.body.code).toBe('MFA_CHALLENGE_USED');

    // Two minutes later the options are no good.
    const slow = await registrationOptions(token);
    t.clock.advance(121);
    try {
      const late = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(slow) }, token);
      expect(late.status).toBe(410);
      expect(late.body.code).toBe('MFA_CHALLENGE_EXPIRED');
    } finally {
      t.clock.advance(-121);
    }

    // Options issued to one session cannot be answered from another.
    const otherUser = await userWithSms(t, 'ivan@example.com');
    const otherToken = await steppedUp(otherUser);
    const stolen = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(await registrationOptions(token)) }, otherToken);
    expect(stolen.status).toBe(401);

    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM webauthn_credentials c JOIN mfa_factors f ON f.id = c.factor_id WHERE f.user_id = $1`, [user.userId]);
    expect(rows[0].n).toBe(1);
  });

  it('one authenticator credential is registered once', async () => {
    const user = await userWithSms(t, 'judy@example.com');
    const token = await steppedUp(user);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    expect((await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(await registrationOptions(token)) }, token)).status).toBe(201);
    const twice = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(await registrationOptions(token)) }, token);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('CONFLICT');
  });

  it('a first factor set up with the enrolment mfaToken completes the login at aal2', async () => {
    const reg = await t.post('/auth/register', { email: 'root@example.com', password: PASSWORD });
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [reg.body.id]);
    const login = await t.post('/auth/login', { email: 'root@example.com', password: PASSWORD });
    expect(login.body).toMatchObject({ status: 'mfa_enrollment_required', allowedFactors: expect.arrayContaining(['webauthn']) });
    const mfaToken: string = login.body.mfaToken;

    const options = await registrationOptions(mfaToken);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const registered = await t.post('/me/mfa/factors/webauthn', { credential: authenticator.createCredential(options) }, mfaToken);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      id: expect.any(String),
      type: 'webauthn',
      status: 'active',
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expect(registered.body.status).toBe('active');
    expect(decodeJwt(registered.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'hwk'], roles: ['admin'] });

    // The enrolment token set up one factor and is spent.
    expect((await t.post('/me/mfa/factors/webauthn/options', undefined, mfaToken)).status).toBe(401);

    const next = await t.post('/auth/login', { email: 'root@example.com', password: PASSWORD });
    expect(next.body).toMatchObject({ status: 'mfa_required', factors: [{ id: registered.body.id, type: 'webauthn' }] });
    const challenge = await t.post('/auth/mfa/challenges', { factorId: registered.body.id }, next.body.mfaToken);
    const verified = await verify(next.body.mfaToken, challenge.body.challengeId, authenticator.getAssertion(challenge.body.options));
    expect(verified.status).toBe(200);
    expect(decodeJwt(verified.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'hwk'] });
  });

  describe('unknown or garbage credential objects are 4xx problems, never a 500', () => {
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const garbage = (challenge: string): Array<[string, unknown]> => [
      ['a string', 'credential'],
      ['an array', [1, 2, 3]],
      ['null', null],
      ['an empty object', {}],
      ['wrong types', { id: 1, rawId: true, type: 'public-key', response: 'x' }],
      ['ids that are not base64url', { id: '***', rawId: '***', type: 'public-key', response: {} }],
      ['another credential type', { id: 'AAAA', rawId: 'AAAA', type: 'password', response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } }],
      ['id and rawId that differ', { id: 'AAAA', rawId: 'BBBB', type: 'public-key', response: { clientDataJSON: b64({ type: 'webauthn.get', challenge, origin: ORIGIN }), attestationObject: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } }],
      ['client data that is not JSON', { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: b64('not json'), attestationObject: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } }],
      ['client data without a challenge', { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: b64({ type: 'webauthn.create' }), attestationObject: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } }],
      [
        'truncated binary parts',
        { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: b64({ type: 'webauthn.create', challenge, origin: ORIGIN }), attestationObject: 'oA', authenticatorData: 'AA', signature: 'AA' } },
      ],
      [
        'client data of the wrong ceremony',
        { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: b64({ type: 'webauthn.get', challenge, origin: ORIGIN }), attestationObject: b64('x'.repeat(40)), authenticatorData: b64('x'.repeat(40)), signature: 'AAAA' } },
      ],
      ['transports that are not a list', { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA', transports: 'usb' } }],
      ['a user handle that is not a string', { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA', userHandle: 42 } }],
      ['prototype keys', JSON.parse('{"__proto__": {"id": "AAAA"}, "constructor": {"prototype": {"type": "public-key"}}}')],
    ];

    function expectProblem(label: string, res: HttpResult) {
      expect({ label, status: res.status >= 400 && res.status < 500, type: res.headers.get('content-type'), code: typeof res.body?.code }).toEqual({
        label,
        status: true,
        type: expect.stringContaining('application/problem+json'),
        code: 'string',
      });
      expect(res.text).not.toMatch(LIBRARY_TEXT);
    }

    it('at registration', async () => {
      const user = await userWithSms(t, 'mallory@example.com');
      const token = await steppedUp(user);
      for (const [label, credential] of garbage('placeholder')) {
        const options = await registrationOptions(token);
        const crafted = JSON.parse(JSON.stringify(credential).replaceAll('placeholder', options.challenge));
        expectProblem(label, await t.post('/me/mfa/factors/webauthn', { credential: crafted }, token));
      }
      expectProblem('no credential', await t.post('/me/mfa/factors/webauthn', { label: 'x' }, token));
      expectProblem('an unknown field', await t.post('/me/mfa/factors/webauthn', { credential: {}, isAdmin: true }, token));
    });

    it('at verification', async () => {
      const user = await userWithPasskey('trudy@example.com');
      for (const [label, credential] of garbage('placeholder')) {
        const { mfaToken, challengeId } = await webauthnChallenge('trudy@example.com', user.webauthnFactorId);
        const challenge = (await t.db.query(`SELECT challenge FROM webauthn_challenges WHERE id = $1`, [challengeId])).rows[0].challenge;
        const crafted = JSON.parse(JSON.stringify(credential).replaceAll('placeholder', challenge));
        expectProblem(label, await verify(mfaToken, challengeId, crafted));
      }
      const { mfaToken } = await webauthnChallenge('trudy@example.com', user.webauthnFactorId);
      expectProblem('no credential', await t.post('/auth/mfa/verify', { challengeId: '00000000-0000-0000-0000-000000000000' }, mfaToken));
      expectProblem('an unknown challenge', await verify(mfaToken, '00000000-0000-0000-0000-000000000000', { id: 'AAAA' }));
    });
  });
});
