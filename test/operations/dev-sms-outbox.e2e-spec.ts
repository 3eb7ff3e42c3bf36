import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextPhone } from '../support/sms-test-app.js';
import { registerAndLogin, startTestApp, type TestApp } from '../support/test-app.js';

/** Enrols a phone, so the console sender has "sent" a code to it. */
async function sendACode(t: TestApp, email: string): Promise<string> {
  const phone = nextPhone();
  const { accessToken } = await registerAndLogin(t, email);
  const enrol = await t.post('/me/mfa/factors/sms', { phone }, accessToken);
  expect(enrol.status).toBe(201);
  return phone;
}

describe('GET /dev/sms (the console sender outbox)', () => {
  it('lists the codes "sent" when NODE_ENV=development is set explicitly', async () => {
    // Development keeps generated keys in its data directory: a scratch one, not the checkout's.
    const dataDir = await mkdtemp(join(tmpdir(), 'sesame-dev-outbox-'));
    const t = await startTestApp({ env: { NODE_ENV: 'development', DATA_DIR: dataDir } });
    try {
      const phone = await sendACode(t, 'dev-outbox@example.com');
      let outbox = await t.get('/dev/sms');
      for (let i = 0; i < 50 && outbox.body.items?.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        outbox = await t.get('/dev/sms');
      }
      expect(outbox.status).toBe(200);
      expect(outbox.body.items).toEqual([
        expect.objectContaining({ to: phone, text: expect.stringMatching(/\b\d{6}\b/) }),
      ]);
      const code = /^(\d{6}) /.exec(outbox.body.items[0].text)?.[1];
      expect(outbox.body.items[0].code).toBe(code);

      // ?to= answers one number's messages, newest first: the latest code is items[0].code.
      const other = await sendACode(t, 'dev-outbox-other@example.com');
      const mine = await t.get(`/dev/sms?to=${encodeURIComponent(phone)}`);
      expect(mine.body.items).toEqual([expect.objectContaining({ to: phone, code })]);
      const theirs = await t.get(`/dev/sms?to=${encodeURIComponent(other)}`);
      expect(theirs.body.items).toEqual([expect.objectContaining({ to: other, code: expect.stringMatching(/^\d{6}$/) })]);
      expect((await t.get('/dev/sms')).body.items.map((m: { to: string }) => m.to)).toEqual([other, phone]);
      expect((await t.get('/dev/sms?to=%2B15550000000')).body.items).toEqual([]);
    } finally {
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is not served in tests, although the console sender is in use', async () => {
    const t = await startTestApp({ env: { NODE_ENV: 'test' } });
    try {
      await sendACode(t, 'test-outbox@example.com');
      const outbox = await t.get('/dev/sms');
      expect(outbox.status).toBe(404);
      expect(outbox.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(outbox.text).not.toMatch(/\+44/);
    } finally {
      await t.close();
    }
  });
});
