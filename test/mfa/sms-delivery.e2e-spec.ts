import { SmsDeliveryService } from '../../src/sms/sms-delivery.service.js';
import { SmsSender, type OutgoingSms, type SmsSendResult } from '../../src/sms/sms-sender.js';
import { smsSegmentInfo } from '../../src/sms/sms-message.js';
import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { startTestApp } from '../support/test-app.js';

describe('SMS delivery through the outbox', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('Vonage answering "throttled" is retried with backoff and then delivered', async () => {
    const user = await userWithSms(t, 'throttled@example.com');
    const before = t.vonage.messages.length;
    t.vonage.failNext('throttled', 1);
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    expect(t.vonage.messages.length).toBe(before); // nothing accepted yet

    const { rows } = await t.db.query(`SELECT status, attempts, last_error FROM sms_messages WHERE challenge_id = $1`, [challenge.challengeId]);
    expect(rows[0]).toEqual({ status: 'retry', attempts: 1, last_error: 'throttled' });

    const outbox = t.app.get(SmsDeliveryService);
    await outbox.pollOnce(); // not due yet: backoff
    expect(t.vonage.messages.length).toBe(before);
    t.clock.advance(2);
    await outbox.pollOnce();
    expect(t.vonage.messages.length).toBe(before + 1);

    const after = await t.db.query(`SELECT status, attempts, provider_message_id FROM sms_messages WHERE challenge_id = $1`, [challenge.challengeId]);
    expect(after.rows[0]).toMatchObject({ status: 'sent', attempts: 2, provider_message_id: expect.any(String) });
    const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(ok.status).toBe(200);
  });

  it('a 500 and a timeout are retried too; a permanent failure gives up after 5 attempts', async () => {
    const user = await userWithSms(t, 'flaky@example.com');
    t.vonage.failNext('server_error', 5);
    const { challenge } = await loginToChallenge(t, user.email);
    const outbox = t.app.get(SmsDeliveryService);
    for (let i = 0; i < 5; i++) {
      t.clock.advance(20);
      await outbox.pollOnce();
    }
    const { rows } = await t.db.query(`SELECT status, attempts, last_error FROM sms_messages WHERE challenge_id = $1`, [challenge.challengeId]);
    expect(rows[0]).toEqual({ status: 'failed', attempts: 5, last_error: 'provider_error' });
    t.vonage.reset();
  });

  it('"invalid number" is a permanent failure the user hears about as SMS_DELIVERY_FAILED, without provider text', async () => {
    const user = await userWithSms(t, 'invalid@example.com');
    t.vonage.failNext('invalid_number', 1);
    const login = await t.post('/auth/login', { email: user.email, password: 'correct horse battery' });
    const res = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('SMS_DELIVERY_FAILED');
    expect(Object.keys(res.body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
    expect(res.text).not.toMatch(/Invalid|Vonage|nexmo|error-text/i);
    const { rows } = await t.db.query(`SELECT status, last_error FROM sms_messages WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, [user.userId]);
    expect(rows[0]).toEqual({ status: 'failed', last_error: 'invalid_number' });
  });

  it('the text names the app, the minutes and the warning, ends with the WebOTP line, in the caller’s language, in one segment', async () => {
    const user = await userWithSms(t, 'polyglot@example.com');
    for (const [language, expected] of [
      ['fr-CA,fr;q=0.9', /Sesame/],
      ['de', /Sesame/],
      ['es-MX', /Sesame/],
      ['en-GB', /never share/i],
    ] as const) {
      t.clock.advance(31);
      const { challenge } = await loginToChallenge(t, user.email, undefined, { 'accept-language': language });
      const sms = t.vonage.lastMessageTo(user.phone)!;
      const code = t.lastCode(user.phone);
      expect(sms.text).toMatch(expected);
      expect(sms.text).toContain('5');
      expect(sms.text.split('\n').at(-1)).toBe(`@auth.example.com #${code}`);
      expect(smsSegmentInfo(sms.text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      const { rows } = await t.db.query('SELECT locale, body_template FROM sms_messages WHERE challenge_id = $1', [challenge.challengeId]);
      expect(rows[0].locale).toBe(language.slice(0, 2));
      expect(rows[0].body_template).not.toContain(code);
      expect(rows[0].body_template).toContain('{code}');
    }
    const texts = t.vonage.messages.slice(-4).map((m) => m.text);
    expect(new Set(texts.map((x) => x.split('\n')[0])).size).toBe(4); // four different languages
  });
});

/** A sender standing for a process that dies while sending: the call never returns. */
class DyingSender extends SmsSender {
  readonly provider = 'vonage';
  calls = 0;
  send(_sms: OutgoingSms): Promise<SmsSendResult> {
    this.calls++;
    return new Promise(() => undefined);
  }
}

describe('SMS delivery across a crash', () => {
  it('a message committed to the outbox goes out after a restart, with a fresh code that works', async () => {
    // Instance A: healthy enrolment, then a login whose SMS send never completes.
    const a = await startSmsTestApp();
    const account = await userWithSms(a, 'crash@example.com');
    const b = await startSmsTestApp({ sharing: a, vonage: a.vonage, overrides: { smsSender: new DyingSender() } });
    const login = await b.post('/auth/login', { email: account.email, password: 'correct horse battery' });
    const abort = new AbortController();
    const pending = fetch(`${b.url}/auth/mfa/challenges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.body.mfaToken}` },
      body: JSON.stringify({ factorId: account.factorId }),
      signal: abort.signal,
    }).catch(() => null);
    let row;
    for (let i = 0; i < 50 && !row; i++) {
      await new Promise((r) => setTimeout(r, 20));
      row = (await b.db.query(`SELECT id, challenge_id, status FROM sms_messages WHERE user_id = $1 AND kind = 'otp' ORDER BY created_at DESC LIMIT 1`, [account.userId])).rows[0];
      if (row && row.status !== 'sending') row = undefined;
    }
    expect(row).toMatchObject({ status: 'sending' });
    // "Kill" instance B: the request is abandoned and B stops; the code was only in B's memory,
    // so instance A, which never held it, has to issue a fresh one.
    abort.abort();
    await pending;
    b.app.getHttpServer().closeAllConnections();
    await b.close();

    // Instance A's worker takes the row over once B's lease has run out.
    const before = a.vonage.codesSentTo(account.phone).length;
    a.clock.advance(31);
    await a.app.get(SmsDeliveryService).pollOnce();
    expect(a.vonage.codesSentTo(account.phone).length).toBe(before + 1);
    const code = a.lastCode(account.phone);
    const { rows } = await a.db.query('SELECT status FROM sms_messages WHERE id = $1', [row.id]);
    expect(rows[0].status).toBe('sent');

    const verified = await a.post('/auth/mfa/verify', { challengeId: row.challenge_id, code }, login.body.mfaToken);
    expect(verified.status).toBe(200);
    await a.close();
  });
});

describe('console sender', () => {
  it('is the development default and never sends anything out', async () => {
    const t = await startTestApp({ env: { SMS_PROVIDER: 'console' } });
    try {
      const reg = await t.post('/auth/register', { email: 'dev@example.com', password: 'correct horse battery' });
      expect(reg.status).toBe(201);
      const login = await t.post('/auth/login', { email: 'dev@example.com', password: 'correct horse battery' });
      const enrol = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, login.body.accessToken);
      expect(enrol.status).toBe(201);
      const { rows } = await t.db.query(`SELECT provider, status FROM sms_messages`);
      expect(rows).toEqual([{ provider: 'console', status: 'sent' }]);
      // The dev outbox page exists only in development: not in this test environment's logs, and never in production.
      expect(t.logs.join('')).not.toMatch(/SMS NOT SENT/);
    } finally {
      await t.close();
    }
  });
});
