import type { Vonage } from '@vonage/server-sdk';
import { SmsSender, type OutgoingSms, type SmsSendResult } from './sms-sender.js';

export interface VonageSmsSenderOptions {
  apiKey: string;
  apiSecret: string;
  /** Sender ID: a number in E.164 or an alphanumeric brand name, as allowed in the destination country. */
  from: string;
  /** Defaults to the SDK's own https://rest.nexmo.com; tests point it at a fake. */
  restHost?: string;
  /** Per-request budget in milliseconds, enforced by the SDK with an AbortController. */
  timeoutMs?: number;
}

/** The SDK module, as the loader hands it over. */
export type VonageSdkModule = { Vonage: typeof Vonage };
export type VonageSdkLoader = () => Promise<VonageSdkModule>;

type SmsClient = Vonage['sms'];
type SmsParams = NonNullable<Parameters<SmsClient['send']>[0]>;
/** One entry of the SMS API's `messages` array after the SDK has camel-cased it. */
type SmsMessageStatus = { status?: string; messageId?: string };

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The SDK is loaded on first use rather than at import time: it pulls in every
 * Vonage product client, and deployments on another provider (or the console
 * sender in development) should not pay for it.
 */
const loadVonageSdk: VonageSdkLoader = () => import('@vonage/server-sdk');

type Failure = Extract<SmsSendResult, { ok: false }>;
const permanent = (reason: string): Failure => ({ ok: false, retryable: false, reason });
const retryable = (reason: string): Failure => ({ ok: false, retryable: true, reason });

/**
 * Per-message `status` of the SMS API (developer.vonage.com, SMS API
 * "Troubleshooting" / @vonage/sms SMSStatus). Only "0" means accepted.
 * Unlisted codes are treated as permanent rejections.
 */
const STATUS_OUTCOMES: Readonly<Record<string, Failure>> = {
  '1': retryable('throttled'),
  '2': permanent('rejected'),
  '3': permanent('invalid_number'),
  '4': permanent('bad_credentials'),
  '5': retryable('provider_error'),
  '6': permanent('rejected'),
  '7': permanent('barred'),
  '8': permanent('account_barred'),
  '9': permanent('no_credit'),
  // Too many simultaneous connections for the account: a rate limit in effect.
  '10': retryable('throttled'),
  '11': permanent('account_not_enabled'),
  '12': permanent('message_too_long'),
  '14': permanent('bad_credentials'),
  '15': permanent('invalid_sender'),
  '22': permanent('rejected'),
  '23': permanent('rejected'),
  // Trial accounts may only send to numbers registered on the dashboard.
  '29': permanent('destination_not_allowed'),
  '32': permanent('bad_credentials'),
  '33': permanent('invalid_number'),
};

/**
 * GSM 03.38 default alphabet plus its extension table. Anything outside it must
 * be sent with `type: 'unicode'` (UCS-2), otherwise the SMS API substitutes the
 * characters it cannot encode.
 */
const GSM_7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€\f]*$/;

/**
 * SmsSender on Vonage's SMS API (`POST /sms/json`) through the official SDK.
 *
 * Never logs: the text carries the one-time code. Note that the SDK itself
 * dumps whole requests, credentials and text included, through the `debug`
 * package when DEBUG matches `vonage:*`; that must stay unset in production.
 */
export class VonageSmsSender extends SmsSender {
  override readonly provider = 'vonage';

  private client: Promise<SmsClient> | undefined;

  constructor(
    private readonly options: VonageSmsSenderOptions,
    private readonly loadSdk: VonageSdkLoader = loadVonageSdk,
  ) {
    super();
    for (const key of ['apiKey', 'apiSecret', 'from'] as const) {
      if (!options[key]) throw new Error(`VonageSmsSender: ${key} is required`);
    }
  }

  override async send(sms: OutgoingSms): Promise<SmsSendResult> {
    let client: SmsClient;
    try {
      client = await this.smsClient();
    } catch {
      this.client = undefined;
      return permanent('sdk_unavailable');
    }

    const params: SmsParams = {
      from: this.options.from,
      // The SMS API documents E.164 without the leading '+'.
      to: sms.to.replace(/^\+/, ''),
      text: sms.text,
      // Echoed back in delivery receipts, tying them to the outbox row.
      clientRef: sms.reference,
      ...(GSM_7.test(sms.text) ? {} : { type: 'unicode' as NonNullable<SmsParams['type']> }),
    };

    try {
      const response = await client.send(params);
      return fromMessages(response.messages);
    } catch (error) {
      return fromError(error);
    }
  }

  private smsClient(): Promise<SmsClient> {
    this.client ??= this.loadSdk().then(
      ({ Vonage }) =>
        new Vonage(
          { apiKey: this.options.apiKey, apiSecret: this.options.apiSecret },
          {
            ...(this.options.restHost ? { restHost: this.options.restHost } : {}),
            timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          },
        ).sms,
    );
    return this.client;
  }
}

/**
 * A long text is split into several parts, each with its own status; the SMS
 * counts as sent only when every part was accepted.
 */
function fromMessages(messages: readonly SmsMessageStatus[] | undefined): SmsSendResult {
  const parts = messages ?? [];
  const failed = parts.find((m) => m.status !== '0');
  if (failed) return STATUS_OUTCOMES[String(failed.status)] ?? permanent('rejected');
  const first = parts[0];
  // A 2xx without any accepted part: nothing says the SMS went out.
  if (!first) return retryable('provider_error');
  return { ok: true, providerMessageId: first.messageId ?? null };
}

/**
 * The SDK throws for anything but an all-"0" reply:
 * - SMSFailure (MessageSendAllFailure / MessageSendPartialFailure) with the
 *   parsed reply in `.response`. The API sends `message-count` as a string, so
 *   the SDK's `failures === messageCount` check never matches and a single
 *   failed message surfaces as a *partial* failure; both are handled alike.
 * - VetchError with the fetch `Response` in `.response` for non-2xx replies.
 * - node-fetch's AbortError when the configured timeout fires, FetchError
 *   (type 'system') for connection failures.
 * Recognised by shape, not `instanceof`, so a duplicated SDK copy or its ESM and
 * CommonJS builds side by side cannot break the mapping.
 */
function fromError(error: unknown): SmsSendResult {
  if (!error || typeof error !== 'object') return permanent('unexpected');
  const e = error as { name?: unknown; type?: unknown; response?: unknown };

  if (e.name === 'AbortError' || e.type === 'aborted') return retryable('timeout');

  const response = e.response as { messages?: unknown; status?: unknown } | undefined;
  if (response && Array.isArray(response.messages)) {
    return fromMessages(response.messages as SmsMessageStatus[]);
  }
  if (response && typeof response.status === 'number') {
    return fromHttpStatus(response.status);
  }

  if (e.name === 'FetchError') return retryable('network');
  return permanent('unexpected');
}

function fromHttpStatus(status: number): Failure {
  if (status === 429) return retryable('throttled');
  if (status === 401 || status === 403) return permanent('bad_credentials');
  if (status >= 500) return retryable('provider_error');
  // A 2xx here means the body could not be decoded: the request may have gone through.
  if (status < 300) return retryable('provider_error');
  return permanent('rejected');
}
