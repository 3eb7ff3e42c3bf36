import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { ConsoleEmailSender } from './console-email.sender.js';
import { EmailDeliveryService } from './email-delivery.service.js';
import { EmailMessagesRepository } from './email-messages.repository.js';
import { EmailSender, UnconfiguredEmailSender } from './email-sender.js';
import { SmtpEmailSender } from './smtp-email.sender.js';

/** Chooses the email transport from configuration (a test overrides the EmailSender provider instead). */
export function createEmailSender(runtime: AppRuntime): EmailSender {
  const { email, env } = runtime.config;
  if (email.provider === 'smtp') return new SmtpEmailSender({ url: email.smtpUrl!, from: email.from, timeoutMs: 20_000 });
  if (email.provider === 'none') {
    new Logger('Email').warn('no SMTP_URL: emails (password reset, notices) are not sent; set SMTP_URL and MAIL_FROM');
    return new UnconfiguredEmailSender();
  }
  // Only with NODE_ENV=development or test set explicitly (app-config.ts refuses it otherwise).
  const logger = new Logger('DevelopmentEmail');
  return new ConsoleEmailSender(env === 'development' ? (line) => logger.warn(line) : () => undefined);
}

/**
 * The email channel: the EmailSender port with its SMTP and console
 * adapters, and the outbox. One module (and one outbox worker) per runtime,
 * whichever modules import it.
 */
@Module({})
export class EmailModule {
  private static readonly registered = new WeakMap<AppRuntime, DynamicModule>();

  static register(runtime: AppRuntime): DynamicModule {
    const known = EmailModule.registered.get(runtime);
    if (known) return known;
    const module: DynamicModule = {
      module: EmailModule,
      providers: [
        { provide: EmailSender, useValue: createEmailSender(runtime) },
        EmailMessagesRepository,
        EmailDeliveryService,
      ],
      exports: [EmailDeliveryService],
    };
    EmailModule.registered.set(runtime, module);
    return module;
  }
}
