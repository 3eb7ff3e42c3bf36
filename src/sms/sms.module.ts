import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { ConsoleSmsSender } from './console-sms.sender.js';
import { DeliveryReceiptController } from './delivery-receipt.controller.js';
import { DevSmsController } from './dev-sms.controller.js';
import { SMS_WORKER_INTERVAL_MS, SmsDeliveryService } from './sms-delivery.service.js';
import { SmsMessagesRepository } from './sms-messages.repository.js';
import { SendCapsService } from './send-caps.service.js';
import { RateCountersRepository } from '../common/rate-counters.repository.js';
import { SmsSender } from './sms-sender.js';
import { VonageSmsSender } from './vonage-sms.sender.js';

/** Chooses the SMS provider adapter from configuration (a test may inject its own). */
export function createSmsSender(runtime: AppRuntime): SmsSender {
  if (runtime.smsSender) return runtime.smsSender;
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
  // Development only (production refuses the console provider at boot): codes go to this
  // process's console, never to the structured log, and never anywhere in tests.
  const logger = new Logger('DevelopmentSms');
  return new ConsoleSmsSender(env === 'development' ? (line) => logger.warn(line) : () => undefined);
}

@Module({})
export class SmsModule {
  static register(runtime: AppRuntime): DynamicModule {
    const sender = createSmsSender(runtime);
    const providers: Provider[] = [
      { provide: SmsSender, useValue: sender },
      { provide: SMS_WORKER_INTERVAL_MS, useValue: runtime.smsWorkerIntervalMs ?? 1000 },
      SmsDeliveryService,
      SmsMessagesRepository,
      SendCapsService,
      RateCountersRepository,
    ];
    const devOutbox = runtime.config.env !== 'production' && sender instanceof ConsoleSmsSender;
    return {
      module: SmsModule,
      controllers: devOutbox ? [DeliveryReceiptController, DevSmsController] : [DeliveryReceiptController],
      providers,
      exports: [SmsSender, SmsDeliveryService, SendCapsService],
    };
  }
}
