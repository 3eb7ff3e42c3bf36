import { randomUUID } from 'node:crypto';
import { Clock, SystemClock } from '../common/clock.js';
import { SmsSender, type OutgoingSms, type SmsSendResult } from './sms-sender.js';

export interface ConsoleSmsRecord {
  to: string;
  text: string;
  reference: string;
  sentAt: Date;
}

/** Enough to find the last few codes in a dev session without growing forever. */
const RECENT_LIMIT = 50;

/**
 * Development-only SmsSender: nothing leaves the machine, the SMS is printed
 * instead. This is the single place a one-time code is ever written out, which
 * is why the line is loudly marked; choosing this sender without an explicit
 * NODE_ENV=development (or test) is the application's decision to refuse
 * (app-config.ts).
 */
export class ConsoleSmsSender extends SmsSender {
  override readonly provider = 'console';

  private readonly sent: ConsoleSmsRecord[] = [];

  constructor(
    private readonly sink: (line: string) => void = (l) => process.stdout.write(l + '\n'),
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
  }

  override async send(sms: OutgoingSms): Promise<SmsSendResult> {
    const providerMessageId = `console-${randomUUID()}`;
    // JSON-quoted so a multi-line text (e.g. the WebOTP origin line) stays on one line.
    this.sink(
      `[DEVELOPMENT ONLY - SMS NOT SENT] to=${sms.to} reference=${sms.reference} text=${JSON.stringify(sms.text)}`,
    );
    this.sent.push({ to: sms.to, text: sms.text, reference: sms.reference, sentAt: this.clock.now() });
    if (this.sent.length > RECENT_LIMIT) this.sent.splice(0, this.sent.length - RECENT_LIMIT);
    return { ok: true, providerMessageId };
  }

  /** Oldest first, at most the last 50 messages. */
  recent(): ConsoleSmsRecord[] {
    return this.sent.map((m) => ({ ...m, sentAt: new Date(m.sentAt) }));
  }
}
