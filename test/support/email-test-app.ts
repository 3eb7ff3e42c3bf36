import { EmailDeliveryService } from '../../src/email/email-delivery.service.js';
import { FakeSmtpServer } from '../fakes/fake-smtp-server.js';
import { startSmsTestApp, type SmsTestApp } from './sms-test-app.js';
import type { TestAppOptions } from './test-app.js';

export interface EmailTestApp extends SmsTestApp {
  smtp: FakeSmtpServer;
  /** Runs the email outbox worker once (queued mail, retries), as its timer would. */
  deliverMail(): Promise<void>;
}

/**
 * The SMS test app with mail going over SMTP (nodemailer) to a real SMTP
 * server started by the suite. The email outbox worker is off: tests run it
 * with `deliverMail()`.
 */
export async function startEmailTestApp(options: TestAppOptions & { smtp?: FakeSmtpServer } = {}): Promise<EmailTestApp> {
  const smtp = options.smtp ?? (await FakeSmtpServer.start());
  const t = await startSmsTestApp({
    ...options,
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Sesame <no-reply@example.com>', EMAIL_LINK_BASE_URL: 'https://app.example.com', ...options.env },
    overrides: { emailWorker: false, ...options.overrides },
  });
  const closeApp = t.close;
  return Object.assign(t, {
    smtp,
    deliverMail: () => t.app.get(EmailDeliveryService).pollOnce(),
    async close() {
      await closeApp();
      if (!options.smtp) await smtp.close();
    },
  });
}
