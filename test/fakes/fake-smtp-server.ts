import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO), lower case. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/**
 * A real SMTP server (the `smtp-server` package) that keeps every message it
 * accepts, parsed with `mailparser`, so tests read their mail "from the
 * mailbox" after nodemailer delivered it over SMTP. STARTTLS is off, so the
 * app speaks plain SMTP to it on the loopback interface.
 */
export class FakeSmtpServer {
  readonly messages: ReceivedMail[] = [];
  private failures: Array<{ code: number }> = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<FakeSmtpServer> {
    let fake: FakeSmtpServer | null = null;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const failure = fake!.failures.shift();
        if (failure) {
          stream.resume();
          stream.on('end', () => callback(Object.assign(new Error('simulated failure'), { responseCode: failure.code })));
          return;
        }
        simpleParser(stream).then(
          (mail) => {
            fake!.messages.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              messageId: mail.messageId ?? '',
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    fake = new FakeSmtpServer(server, port);
    return fake;
  }

  /** The next `count` messages are refused with this SMTP reply code (4xx transient, 5xx permanent). */
  failNext(code: number, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push({ code });
  }

  mailTo(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(address.toLowerCase()));
  }

  lastMailTo(address: string): ReceivedMail {
    const mail = this.mailTo(address);
    if (mail.length === 0) throw new Error(`no mail reached ${address}`);
    return mail[mail.length - 1]!;
  }

  /** The reset or verification token of the last link mailed to `address`. */
  lastTokenTo(address: string): string {
    const match = /#token=([A-Za-z0-9_-]+)/.exec(this.lastMailTo(address).text);
    if (!match) throw new Error(`the last mail to ${address} has no link`);
    return match[1]!;
  }

  /** The one-time code of the last code mail to `address` (it stands on a line of its own). */
  lastCodeTo(address: string): string {
    const match = /^(\d{6,10})$/m.exec(this.lastMailTo(address).text);
    if (!match) throw new Error(`the last mail to ${address} has no code`);
    return match[1]!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
