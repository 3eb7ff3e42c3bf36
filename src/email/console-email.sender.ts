import { randomUUID } from 'node:crypto';
import { EmailSender, type EmailSendResult, type OutgoingEmail } from './email-sender.js';

/**
 * Development-only EmailSender: nothing leaves the machine, the text part is
 * printed instead (it carries a one-time link or code, hence the loud mark).
 * Chosen only with NODE_ENV=development or test set explicitly, under the same
 * rule as the console SMS sender (app-config.ts).
 */
export class ConsoleEmailSender extends EmailSender {
  override readonly provider = 'console';

  constructor(private readonly sink: (line: string) => void = (l) => process.stdout.write(l + '\n')) {
    super();
  }

  override async send(email: OutgoingEmail): Promise<EmailSendResult> {
    this.sink(
      `[DEVELOPMENT ONLY - EMAIL NOT SENT] to=${email.to} reference=${email.reference} subject=${JSON.stringify(email.subject)} text=${JSON.stringify(email.text)}`,
    );
    return { ok: true, providerMessageId: `console-${randomUUID()}` };
  }
}
