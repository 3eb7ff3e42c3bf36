import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module.js';
import type { AppRuntime } from '../app-runtime.js';
import { ConsoleSmsSender } from './console-sms.sender.js';
import { DeliveryReceiptController } from './delivery-receipt.controller.js';
import { DevSmsController } from './dev-sms.controller.js';
import { SmsDeliveryService } from './sms-delivery.service.js';
import { SmsMessagesRepository } from './sms-messages.repository.js';
import { SendCapsService } from './send-caps.service.js';
import { RateCountersRepository } from '../common/rate-counters.repository.js';
import { SmsSender } from './sms-sender.js';
import { VonageSmsSender } from './vonage-sms.sender.js';

/** Chooses the SMS provider adapter from configuration (a test overrides the SmsSender provider instead). */
export function createSmsSender(runtime: AppRuntime): SmsSender {
  const { sms, env } = runtime.config;
  if (sms.provider === 'vonage') {
    return new VonageSmsSender({
      apiKey: sms.vonage.apiKey,
      apiSecret: sms.vonage.apiSecret,
      from: sms.vonage.from,
      restHost: sms.vonage.restHost,
      timeoutMs: 10_000,
    });
  }
  // Only with NODE_ENV=development or test set explicitly (app-config.ts refuses it otherwise): codes go to
  // this process's console in development, never to the structured log, and nowhere in tests.
  const logger = new Logger('DevelopmentSms');
  return new ConsoleSmsSender(env === 'development' ? (line) => logger.warn(line) : () => undefined);
}

@Module({})
export class SmsModule {
  static register(runtime: AppRuntime): DynamicModule {
    const sender = createSmsSender(runtime);
    const providers: Provider[] = [
      { provide: SmsSender, useValue: sender },
      SmsDeliveryService,
      SmsMessagesRepository,
      SendCapsService,
      RateCountersRepository,
    ];
    // GET /dev/sms hands codes and numbers to anyone who asks: only for an explicit development setup.
    const devOutbox = runtime.config.sms.devOutbox && sender instanceof ConsoleSmsSender;
    return {
      module: SmsModule,
      imports: [AlertsModule],
      controllers: devOutbox ? [DeliveryReceiptController, DevSmsController] : [DeliveryReceiptController],
      providers,
      exports: [SmsSender, SmsDeliveryService, SendCapsService],
    };
  }
}
