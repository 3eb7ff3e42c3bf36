import { FakeSnsServer } from '../../test/fakes/fake-sns-server.js';
import type { OutgoingSms } from './sms-sender.js';
import { SnsSmsSender, type SnsSmsSenderOptions } from './sns-sms.sender.js';

const NUMBER = '+447700900123';
const sms: OutgoingSms = { to: NUMBER, text: '482913 is your Sesame verification code.\n@auth.example.com #482913', reference: 'outbox-1' };

describe('SnsSmsSender (real @aws-sdk/client-sns against FakeSnsServer)', () => {
  let fake: FakeSnsServer;
  beforeAll(async () => {
    fake = await FakeSnsServer.start();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  const sender = (overrides: Partial<SnsSmsSenderOptions> = {}) =>
    new SnsSmsSender({
      region: fake.region,
      accessKeyId: fake.accessKeyId,
      secretAccessKey: fake.secretAccessKey,
      endpoint: fake.url,
      senderId: 'Sesame',
      timeoutMs: 500,
      ...overrides,
    });

  it('publishes to the phone number as a transactional SMS and returns the message id', async () => {
    const result = await sender().send(sms);
    expect(fake.messages).toHaveLength(1);
    expect(result).toEqual({ ok: true, providerMessageId: fake.messages[0]!.messageId });
    expect(fake.messages[0]).toMatchObject({
      phoneNumber: NUMBER,
      message: sms.text,
      attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional', 'AWS.SNS.SMS.SenderID': 'Sesame' },
    });
  });

  it('maps 5xx and throttling to retryable faults, and does not retry inside the SDK', async () => {
    fake.failNext('server_error');
    expect(await sender().send(sms)).toEqual({ ok: false, retryable: true, reason: 'provider_error' });
    fake.failNext('throttled');
    expect(await sender().send(sms)).toEqual({ ok: false, retryable: true, reason: 'throttled' });
    expect(fake.requests).toBe(2);
  });

  it('maps an invalid number and bad credentials to permanent failures', async () => {
    fake.failNext('invalid_number');
    expect(await sender().send(sms)).toEqual({ ok: false, retryable: false, reason: 'invalid_number' });
    expect(await sender({ accessKeyId: 'AKIAWRONG' }).send(sms)).toEqual({ ok: false, retryable: false, reason: 'bad_credentials' });
  });

  it('gives up on a provider that does not answer within the timeout', async () => {
    fake.failNext('hang');
    expect(await sender({ timeoutMs: 200 }).send(sms)).toEqual({ ok: false, retryable: true, reason: 'timeout' });
  });

  it('a connection refused is a retryable network fault', async () => {
    expect(await sender({ endpoint: 'http://127.0.0.1:1' }).send(sms)).toMatchObject({ ok: false, retryable: true });
  });
});
