import { FakeVonageServer } from '../../test/fakes/fake-vonage-server.js';
import type { OutgoingSms } from './sms-sender.js';
import { VonageSmsSender, type VonageSmsSenderOptions } from './vonage-sms.sender.js';

const NUMBER = '+447700900123';

function sms(overrides: Partial<OutgoingSms> = {}): OutgoingSms {
  return {
    to: NUMBER,
    text: 'Your Sesame code is 482913. It expires in 5 minutes.\n\n@auth.example.com #482913',
    reference: 'outbox-0f7c1d2e',
    ...overrides,
  };
}

describe('VonageSmsSender (real SDK against FakeVonageServer)', () => {
  let fake: FakeVonageServer;

  beforeAll(async () => {
    fake = await FakeVonageServer.start({ apiKey: 'key-123', apiSecret: 'secret-456' });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  function sender(overrides: Partial<VonageSmsSenderOptions> = {}): VonageSmsSender {
    return new VonageSmsSender(
      {
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        from: 'Sesame',
        restHost: fake.url,
        timeoutMs: 2000,
        ...overrides,
      },
    );
  }

  it('sends the SMS and returns the provider message id', async () => {
    const result = await sender().send(sms());

    expect(fake.messages).toHaveLength(1);
    const recorded = fake.messages[0]!;
    expect(result).toEqual({ ok: true, providerMessageId: recorded.messageId });
    expect(recorded).toMatchObject({
      to: '447700900123',
      from: 'Sesame',
      text: sms().text,
      clientRef: 'outbox-0f7c1d2e',
    });
    expect(recorded.type).toBeUndefined();
    expect(fake.lastMessageTo(NUMBER)).toBe(recorded);
    expect(fake.codesSentTo(NUMBER)).toEqual(['482913']);
  });

  it('marks text outside the GSM-7 alphabet as unicode', async () => {
    const result = await sender().send(sms({ text: 'Код Sesame: 482913' }));

    expect(result.ok).toBe(true);
    expect(fake.lastMessageTo(NUMBER)).toMatchObject({ text: 'Код Sesame: 482913', type: 'unicode' });
  });

  it('reports throttling (status 1) as retryable', async () => {
    fake.failNext('throttled');

    await expect(sender().send(sms())).resolves.toEqual({ ok: false, retryable: true, reason: 'throttled' });
    expect(fake.messages).toHaveLength(0);
  });

  it('reports an internal provider error (status 5) as retryable', async () => {
    fake.failNext('internal_error');

    await expect(sender().send(sms())).resolves.toEqual({ ok: false, retryable: true, reason: 'provider_error' });
  });

  it('reports an invalid number (status 3) as permanent', async () => {
    fake.failNext('invalid_number');

    await expect(sender().send(sms())).resolves.toEqual({ ok: false, retryable: false, reason: 'invalid_number' });
  });

  it('reports a number the fake itself rejects as permanent', async () => {
    await expect(sender().send(sms({ to: '+12' }))).resolves.toEqual({
      ok: false,
      retryable: false,
      reason: 'invalid_number',
    });
  });

  it('reports an exhausted account (status 9) as permanent no_credit', async () => {
    fake.failNext('no_credit');

    await expect(sender().send(sms())).resolves.toEqual({ ok: false, retryable: false, reason: 'no_credit' });
  });

  it.each([
    ['number_barred', 'barred'],
    ['account_barred', 'account_barred'],
    ['invalid_sender', 'invalid_sender'],
    ['non_whitelisted', 'destination_not_allowed'],
  ] as const)('reports %s as permanent %s', async (mode, reason) => {
    fake.failNext(mode);

    await expect(sender().send(sms())).resolves.toEqual({ ok: false, retryable: false, reason });
  });

  it('reports HTTP 500 as retryable', async () => {
    fake.failNext('server_error');

    await expect(sender().send(sms())).resolves.toEqual({ ok: false, retryable: true, reason: 'provider_error' });
  });

  it('gives up after timeoutMs and reports a retryable timeout', async () => {
    fake.failNext('slow', 1, { delayMs: 2000 });

    const started = Date.now();
    const result = await sender({ timeoutMs: 200 }).send(sms());

    expect(result).toEqual({ ok: false, retryable: true, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports an unreachable host as a retryable network error', async () => {
    const closed = await FakeVonageServer.start();
    const url = closed.url;
    await closed.close();

    await expect(sender({ restHost: url }).send(sms())).resolves.toEqual({
      ok: false,
      retryable: true,
      reason: 'network',
    });
  });

  it('reports wrong credentials (status 4) as permanent bad_credentials', async () => {
    await expect(sender({ apiSecret: 'wrong-secret' }).send(sms())).resolves.toEqual({
      ok: false,
      retryable: false,
      reason: 'bad_credentials',
    });
    await expect(sender({ apiKey: 'wrong-key' }).send(sms())).resolves.toEqual({
      ok: false,
      retryable: false,
      reason: 'bad_credentials',
    });
    expect(fake.messages).toHaveLength(0);
  });

  it('never puts the text or the number into a failure reason', async () => {
    const modes = [
      'throttled',
      'invalid_number',
      'no_credit',
      'server_error',
      'internal_error',
      'non_whitelisted',
    ] as const;
    const results = [];
    for (const mode of modes) {
      fake.failNext(mode);
      results.push(await sender().send(sms()));
    }
    results.push(await sender({ apiSecret: 'wrong-secret' }).send(sms()));

    const digits = NUMBER.replace(/\D/g, '');
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.reason).toMatch(/^[a-z_]+$/);
      expect(result.reason).not.toContain('482913');
      expect(result.reason).not.toContain(digits);
      expect(result.reason).not.toContain(digits.slice(-4));
    }
  });

  it('rejects construction without credentials or sender', () => {
    expect(() => new VonageSmsSender({ apiKey: '', apiSecret: 's', from: 'Sesame' })).toThrow(/apiKey/);
    expect(() => new VonageSmsSender({ apiKey: 'k', apiSecret: '', from: 'Sesame' })).toThrow(/apiSecret/);
    expect(() => new VonageSmsSender({ apiKey: 'k', apiSecret: 's', from: '' })).toThrow(/from/);
  });

  it('answers every request with Content-Type application/json, as Vonage does', async () => {
    const auth = `Basic ${Buffer.from(`${fake.apiKey}:${fake.apiSecret}`).toString('base64')}`;
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${fake.url}/sms/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth, ...headers },
        body: JSON.stringify(body),
      });
    const ok = { from: 'Sesame', to: '447700900123', text: 'hello' };

    fake.failNext('server_error');
    const replies = [
      await post(ok),
      await post(ok),
      await post(ok, { authorization: 'Basic ' + Buffer.from('nope:nope').toString('base64') }),
      await fetch(`${fake.url}/nowhere`),
    ];

    expect(replies.map((r) => r.status)).toEqual([500, 200, 200, 404]);
    for (const reply of replies) {
      expect(reply.headers.get('content-type')).toBe('application/json');
    }
    await expect(replies[1]!.json()).resolves.toMatchObject({ 'message-count': '1', messages: [{ status: '0' }] });
    await expect(replies[2]!.json()).resolves.toEqual({
      'message-count': '1',
      messages: [{ status: '4', 'error-text': 'Bad Credentials' }],
    });
  });
});
