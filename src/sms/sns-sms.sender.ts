import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { SmsSender, type OutgoingSms, type SmsSendResult } from './sms-sender.js';

export interface SnsSmsSenderOptions {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Alphanumeric sender ID where the destination country allows one; null leaves it to the account's default. */
  senderId: string | null;
  /** The SDK's documented `endpoint` setting; null uses AWS's regional endpoint. Tests point it at a fake. */
  endpoint: string | null;
  /** Per-request budget in milliseconds (the SDK's NodeHttpHandler `requestTimeout`). */
  timeoutMs?: number;
}

type SnsSdk = typeof import('@aws-sdk/client-sns');
export type SnsSdkLoader = () => Promise<SnsSdk>;

/** Loaded on first use, as the Vonage SDK is: deployments without SNS do not pay for it. */
const loadSnsSdk: SnsSdkLoader = () => import('@aws-sdk/client-sns');

type Failure = Extract<SmsSendResult, { ok: false }>;
const permanent = (reason: string): Failure => ({ ok: false, retryable: false, reason });
const retryable = (reason: string): Failure => ({ ok: false, retryable: true, reason });

/**
 * Error codes of SNS `Publish` (AWS SNS API Reference, Publish → Errors) and
 * what they mean for the outbox. Unlisted client errors are permanent.
 */
const ERROR_OUTCOMES: Readonly<Record<string, Failure>> = {
  // The wire codes, and the SDK's modelled exception names for them.
  Throttled: retryable('throttled'),
  ThrottledException: retryable('throttled'),
  InternalErrorException: retryable('provider_error'),
  InvalidParameterException: permanent('invalid_number'),
  InvalidParameterValueException: permanent('invalid_number'),
  AuthorizationErrorException: permanent('bad_credentials'),
  OptedOutException: permanent('barred'),
  KMSThrottlingException: retryable('throttled'),
  Throttling: retryable('throttled'),
  InternalError: retryable('provider_error'),
  InternalFailure: retryable('provider_error'),
  ServiceUnavailable: retryable('provider_error'),
  InvalidParameter: permanent('invalid_number'),
  InvalidParameterValue: permanent('invalid_number'),
  AuthorizationError: permanent('bad_credentials'),
  InvalidClientTokenId: permanent('bad_credentials'),
  SignatureDoesNotMatch: permanent('bad_credentials'),
  OptedOut: permanent('barred'),
  KMSThrottling: retryable('throttled'),
};

/**
 * SmsSender on AWS SNS direct-to-phone publishing (`Publish` with
 * `PhoneNumber`) through the official SDK v3. Transactional type, so SNS
 * routes codes on its high-reliability path. SNS reports delivery to
 * CloudWatch Logs rather than to a webhook, so messages sent through it
 * have no receipt to wait for (the outbox's missing-receipt failover skips it).
 *
 * The SDK's own retries are off (`maxAttempts: 1`): the outbox retries with
 * backoff and fails over to the next provider, which a hidden retry loop
 * would only delay. Never logs; the text carries the code.
 */
export class SnsSmsSender extends SmsSender {
  override readonly provider = 'sns';

  private client: Promise<{ sdk: SnsSdk; client: SNSClient }> | undefined;

  constructor(
    private readonly options: SnsSmsSenderOptions,
    private readonly loadSdk: SnsSdkLoader = loadSnsSdk,
  ) {
    super();
    for (const key of ['region', 'accessKeyId', 'secretAccessKey'] as const) {
      if (!options[key]) throw new Error(`SnsSmsSender: ${key} is required`);
    }
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  override async send(sms: OutgoingSms): Promise<SmsSendResult> {
    let sns: { sdk: SnsSdk; client: SNSClient };
    try {
      sns = await this.snsClient();
    } catch {
      this.client = undefined;
      return permanent('sdk_unavailable');
    }
    const input: PublishCommandInput = {
      PhoneNumber: sms.to,
      Message: sms.text,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        ...(this.options.senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: this.options.senderId } } : {}),
      },
    };
    try {
      // The handler's request timeout, and an abort signal besides, so a held connection cannot outlast the budget.
      const out = await sns.client.send(new sns.sdk.PublishCommand(input), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      return { ok: true, providerMessageId: out.MessageId ?? null };
    } catch (error) {
      return fromError(error);
    }
  }

  private snsClient(): Promise<{ sdk: SnsSdk; client: SNSClient }> {
    this.client ??= this.loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.SNSClient({
        region: this.options.region,
        credentials: { accessKeyId: this.options.accessKeyId, secretAccessKey: this.options.secretAccessKey },
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        maxAttempts: 1,
        requestHandler: { requestTimeout: this.timeoutMs, throwOnRequestTimeout: true, connectionTimeout: Math.min(3000, this.timeoutMs) },
      }),
    }));
    return this.client;
  }
}

/**
 * The SDK throws a ServiceException for an error reply (`name` the modelled
 * exception, `Code` the wire code, `$fault` client or server,
 * `$metadata.httpStatusCode`), an AbortError or TimeoutError when the budget
 * ran out, and a wrapped socket error without any HTTP status when no reply
 * came at all. Recognised by shape, not `instanceof`.
 */
function fromError(error: unknown): SmsSendResult {
  if (!error || typeof error !== 'object') return permanent('unexpected');
  const e = error as { name?: unknown; Code?: unknown; code?: unknown; message?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ETIMEDOUT' || /TimeoutError|aborted/.test(message)) return retryable('timeout');
  for (const code of [e.Code, e.name]) {
    const known = typeof code === 'string' ? ERROR_OUTCOMES[code] : undefined;
    if (known) return known;
  }
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') {
    if (status === 429) return retryable('throttled');
    if (status >= 500) return retryable('provider_error');
    if (status === 401 || status === 403) return permanent('bad_credentials');
    return permanent('rejected');
  }
  if (e.$fault === 'server') return retryable('provider_error');
  // No reply at all (refused, reset): a transient fault of the path to the provider.
  if (e.$fault === undefined) return retryable('network');
  return permanent('unexpected');
}
