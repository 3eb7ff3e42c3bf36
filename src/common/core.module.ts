import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { ALERTS_CONFIG, APP_CONFIG, APP_KEYS, HTTP_CONFIG, METRICS_CONFIG, SMS_CONFIG, WEBAUTHN_CONFIG } from '../config/config.tokens.js';
import { Clock, SystemClock } from './clock.js';
import { SecretsService } from './crypto/secrets.service.js';
import { Database } from '../database/database.js';

/** Provides what was resolved before Nest started (configuration, keys), the clock (tests override it) and the keyed primitives built on the keys. */
@Global()
@Module({})
export class CoreModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: runtime.config },
        { provide: APP_KEYS, useValue: runtime.keys },
        { provide: HTTP_CONFIG, useValue: runtime.config.http },
        { provide: SMS_CONFIG, useValue: runtime.config.sms },
        { provide: WEBAUTHN_CONFIG, useValue: runtime.config.webauthn },
        { provide: ALERTS_CONFIG, useValue: runtime.config.alerts },
        { provide: METRICS_CONFIG, useValue: runtime.config.metrics },
        { provide: Clock, useClass: SystemClock },
        SecretsService,
        Database,
      ],
      exports: [APP_CONFIG, APP_KEYS, HTTP_CONFIG, SMS_CONFIG, WEBAUTHN_CONFIG, ALERTS_CONFIG, METRICS_CONFIG, Clock, SecretsService, Database],
    };
  }
}
