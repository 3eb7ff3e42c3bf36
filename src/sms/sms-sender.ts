/** One SMS handed to a provider. `text` contains the code: it must never be logged. */
export interface OutgoingSms {
  /** Destination in E.164, e.g. +447700900123. */
  to: string;
  text: string;
  /** Our outbox row id; providers that support it echo it in delivery receipts. */
  reference: string;
}

export type SmsSendResult =
  | { ok: true; providerMessageId: string | null }
  /**
   * `retryable`: worth trying again later (throttled, provider 5xx, timeout).
   * `reason`: a short machine-readable cause for the outbox row and metrics;
   * never the provider's free text, never the message body.
   */
  | { ok: false; retryable: boolean; reason: string };

/** The port every SMS provider adapter implements. */
export abstract class SmsSender {
  abstract readonly provider: string;
  abstract send(sms: OutgoingSms): Promise<SmsSendResult>;
}
