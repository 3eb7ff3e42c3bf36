/** One email handed to a transport. `text` and `html` may hold a one-time link or code: never log them. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Our outbox row id, sent as the Message-ID's local part so bounces can be matched to it. */
  reference: string;
}

export type EmailSendResult =
  | { ok: true; providerMessageId: string | null }
  /**
   * `retryable`: worth trying again later (connection refused, a 4xx SMTP
   * reply). `reason`: a short machine-readable cause; never the server's text.
   */
  | { ok: false; retryable: boolean; reason: string };

/** The port every email transport implements. */
export abstract class EmailSender {
  abstract readonly provider: string;
  abstract send(email: OutgoingEmail): Promise<EmailSendResult>;
  /** Releases pooled connections on shutdown. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** No transport configured (NODE_ENV unset and no SMTP_URL): every message fails for good, visibly in the outbox. */
export class UnconfiguredEmailSender extends EmailSender {
  override readonly provider = 'none';

  override async send(): Promise<EmailSendResult> {
    return { ok: false, retryable: false, reason: 'not_configured' };
  }
}
