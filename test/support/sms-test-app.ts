import { FakeSnsServer } from '../fakes/fake-sns-server.js';
import { FakeVonageServer } from '../fakes/fake-vonage-server.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export interface SmsTestApp extends TestApp {
  vonage: FakeVonageServer;
  /** The second provider's fake (AWS SNS), when started with `sns: true`. */
  sns: FakeSnsServer | null;
  /** The last code the fake "phone" received. */
  lastCode(phone: string): string;
}

/**
 * The app wired to the real Vonage SDK, pointed at the fake Vonage server.
 * The outbox worker is off: tests call `pollOnce()` when they want it to run.
 */
export async function startSmsTestApp(options: TestAppOptions & { vonage?: FakeVonageServer; sns?: boolean } = {}): Promise<SmsTestApp> {
  const vonage = options.vonage ?? (await FakeVonageServer.start());
  // The second provider, through @aws-sdk/client-sns pointed at the fake by its documented `endpoint` setting.
  const sns = options.sns ? await FakeSnsServer.start() : null;
  const snsEnv: Record<string, string> = sns
    ? {
        SMS_FAILOVER_PROVIDERS: 'sns',
        AWS_SNS_REGION: sns.region,
        AWS_SNS_ACCESS_KEY_ID: sns.accessKeyId,
        AWS_SNS_SECRET_ACCESS_KEY: sns.secretAccessKey,
        AWS_SNS_ENDPOINT: sns.url,
        AWS_SNS_SENDER_ID: 'Sesame',
      }
    : {};
  const t = await startTestApp({
    ...options,
    env: {
      SMS_PROVIDER: 'vonage',
      VONAGE_API_KEY: vonage.apiKey,
      VONAGE_API_SECRET: vonage.apiSecret,
      VONAGE_FROM: 'Sesame',
      VONAGE_REST_HOST: vonage.url,
      WEBOTP_DOMAIN: 'auth.example.com',
      ...snsEnv,
      ...options.env,
    },
    overrides: { smsWorker: false, ...options.overrides },
  });
  const closeApp = t.close;
  return Object.assign(t, {
    vonage,
    sns,
    lastCode(phone: string) {
      // The phone does not care which provider carried the code: the newest one of either.
      const all = [
        ...vonage.messages.filter((m) => m.to.replace(/^\+/, '') === phone.replace(/^\+/, '')).map((m) => ({ at: m.receivedAt, text: m.text })),
        ...(sns?.messages.filter((m) => m.phoneNumber === phone).map((m) => ({ at: m.receivedAt, text: m.message })) ?? []),
      ].sort((a, b) => a.at.getTime() - b.at.getTime());
      const codes = all.map((m) => /#(\w+)\s*$/.exec(m.text)?.[1]).filter((c): c is string => c !== undefined);
      if (codes.length === 0) throw new Error(`no SMS reached ${phone}`);
      return codes[codes.length - 1];
    },
    async close() {
      await closeApp();
      if (!options.vonage) await vonage.close();
      await sns?.close();
    },
  });
}

let phoneCounter = 0;
/** A distinct valid GB mobile number per call (07400 1xxxxx). */
export function nextPhone(): string {
  phoneCounter += 1;
  return `+4474001${String(10000 + phoneCounter).slice(-5)}`;
}

/** Registers a user, enrols and activates an SMS factor, and returns the user's tokens and factor. */
export async function userWithSms(t: SmsTestApp, email: string, phone = nextPhone(), password = 'correct horse battery') {
  const reg = await t.post('/auth/register', { email, password });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
  const login = await t.post('/auth/login', { email, password });
  if (login.body.status !== 'authenticated') throw new Error(`login: ${login.text}`);
  const enrol = await t.post('/me/mfa/factors/sms', { phone }, login.body.accessToken);
  if (enrol.status !== 201) throw new Error(`enrol: ${enrol.status} ${enrol.text}`);
  const activate = await t.post(
    `/me/mfa/factors/${enrol.body.factorId}/activate`,
    { challengeId: enrol.body.challengeId, code: t.lastCode(phone) },
    login.body.accessToken,
  );
  if (activate.status !== 200) throw new Error(`activate: ${activate.status} ${activate.text}`);
  return { userId: reg.body.id, email, password, phone, factorId: enrol.body.factorId as string, accessToken: login.body.accessToken as string };
}

/** Password login of a user with an SMS factor, up to a started challenge. */
export async function loginToChallenge(t: SmsTestApp, email: string, password = 'correct horse battery', headers: Record<string, string> = {}) {
  const login = await t.request('POST', '/auth/login', { body: { email, password }, headers });
  if (login.body.status !== 'mfa_required') throw new Error(`login: ${login.text}`);
  const mfaToken: string = login.body.mfaToken;
  const factorId: string = login.body.factors[0].id;
  const challenge = await t.request('POST', '/auth/mfa/challenges', { body: { factorId }, token: mfaToken, headers });
  if (challenge.status !== 201) throw new Error(`challenge: ${challenge.status} ${challenge.text}`);
  return { mfaToken, factorId, login: login.body, challenge: challenge.body };
}

/** A full aal2 session of a user with an SMS factor, through the real login. */
export async function aal2Session(t: SmsTestApp, user: { email: string; phone: string }, password = 'correct horse battery') {
  const { mfaToken, challenge } = await loginToChallenge(t, user.email, password);
  const res = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
  if (res.status !== 200) throw new Error(`verify: ${res.status} ${res.text}`);
  return res.body as { accessToken: string; refreshToken: string };
}
