import { createTransport } from 'nodemailer';
import { EmailSender, type EmailSendResult, type OutgoingEmail } from './email-sender.js';

export interface SmtpOptions {
  /** `smtp://user:pass@host:587` or `smtps://…:465` (nodemailer's connection URL). */
  url: string;
  /** The From header, e.g. `Sesame <no-reply@example.com>`. */
  from: string;
  timeoutMs: number;
}

/**
 * SMTP through nodemailer's pooled transport. A 4xx reply or a network fault
 * is worth retrying (RFC 5321 §4.2.1: transient); a 5xx reply is not.
 */
export class SmtpEmailSender extends EmailSender {
  override readonly provider = 'smtp';
  private readonly transport;

  constructor(private readonly options: SmtpOptions) {
    super();
    this.transport = createTransport({
      pool: true,
      url: options.url,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    });
  }

  override async send(email: OutgoingEmail): Promise<EmailSendResult> {
    const domain = /@([^>\s]+)>?\s*$/.exec(this.options.from)?.[1] ?? 'localhost';
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: `<${email.reference}@${domain}>`,
      });
      if (info.rejected.length > 0) return { ok: false, retryable: false, reason: 'recipient_rejected' };
      return { ok: true, providerMessageId: info.messageId ?? null };
    } catch (error) {
      return classify(error);
    }
  }

  override async close(): Promise<void> {
    this.transport.close();
  }
}

/** Maps a nodemailer error to a retry decision, keeping only a short cause (never the server's text). */
export function classify(error: unknown): EmailSendResult {
  const e = error as { responseCode?: unknown; code?: unknown };
  if (typeof e?.responseCode === 'number') {
    return e.responseCode >= 500 ? { ok: false, retryable: false, reason: `smtp_${e.responseCode}` } : { ok: false, retryable: true, reason: `smtp_${e.responseCode}` };
  }
  return { ok: false, retryable: true, reason: typeof e?.code === 'string' ? e.code.toLowerCase().slice(0, 40) : 'transport_error' };
}
