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
import { SnsSmsSender } from './sns-sms.sender.js';
import { SmsRouter } from './sms-router.js';
import { SmsConversionService } from './sms-conversion.service.js';
import { SmsPrefixBlocksRepository } from './sms-prefix-blocks.repository.js';
import { DEFAULT_BREAKER } from './circuit-breaker.js';
import { Clock } from '../common/clock.js';
import type { SmsConfig, SmsProviderName } from '../config/app-config.js';
import { assertNever } from '../vocabulary/factor-type.js';

/**
 * The SMS provider adapters, primary first, in the order the router tries
 * them. A test overrides this provider with senders of its own.
 */
export const SMS_SENDERS = Symbol('SMS_SENDERS');

/** Chooses the SMS provider adapters from configuration, primary first. */
export function createSmsSenders(runtime: AppRuntime): SmsSender[] {
  const { sms, env } = runtime.config;
  if (sms.providers.length > 0) return sms.providers.map((name) => createProviderSender(name, sms));
  // Only with NODE_ENV=development or test set explicitly (app-config.ts refuses it otherwise): codes go to
  // this process's console in development, never to the structured log, and nowhere in tests.
  const logger = new Logger('DevelopmentSms');
  return [new ConsoleSmsSender(env === 'development' ? (line) => logger.warn(line) : () => undefined)];
}

function createProviderSender(name: SmsProviderName, sms: SmsConfig): SmsSender {
  switch (name) {
    case 'vonage':
      return new VonageSmsSender({
        apiKey: sms.vonage.apiKey,
        apiSecret: sms.vonage.apiSecret,
        from: sms.vonage.from,
        restHost: sms.vonage.restHost,
        timeoutMs: 10_000,
      });
    case 'sns':
      return new SnsSmsSender({ ...sms.sns, timeoutMs: 10_000 });
    default:
      return assertNever(name);
  }
}

@Module({})
export class SmsModule {
  static register(runtime: AppRuntime): DynamicModule {
    const senders = createSmsSenders(runtime);
    const { routes, breaker } = runtime.config.sms;
    const providers: Provider[] = [
      { provide: SMS_SENDERS, useValue: senders },
      { provide: SmsSender, useFactory: (all: SmsSender[]) => all[0]!, inject: [SMS_SENDERS] },
      {
        provide: SmsRouter,
        useFactory: (all: SmsSender[], clock: Clock) => new SmsRouter(all, routes, clock, { ...DEFAULT_BREAKER, ...breaker }),
        inject: [SMS_SENDERS, Clock],
      },
      SmsDeliveryService,
      SmsMessagesRepository,
      SendCapsService,
      RateCountersRepository,
      SmsConversionService,
      SmsPrefixBlocksRepository,
    ];
    // GET /dev/sms hands codes and numbers to anyone who asks: only for an explicit development setup.
    const devOutbox = runtime.config.sms.devOutbox && senders[0] instanceof ConsoleSmsSender;
    return {
      module: SmsModule,
      imports: [AlertsModule],
      controllers: devOutbox ? [DeliveryReceiptController, DevSmsController] : [DeliveryReceiptController],
      providers,
      exports: [SmsSender, SmsRouter, SmsDeliveryService, SendCapsService, SmsConversionService],
    };
  }
}
