import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { APP_CONFIG, APP_KEYS } from '../config/config.tokens.js';
import { Clock } from './clock.js';
import { SecretsService } from './crypto/secrets.service.js';
import { Database } from '../database/database.js';

/** Provides what was resolved before Nest started (configuration, keys, the clock) and the keyed primitives built on the keys. */
@Global()
@Module({})
export class CoreModule {
  static register(runtime: AppRuntime, clock: Clock): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: runtime.config },
        { provide: APP_KEYS, useValue: runtime.keys },
        { provide: Clock, useValue: clock },
        SecretsService,
        Database,
      ],
      exports: [APP_CONFIG, APP_KEYS, Clock, SecretsService, Database],
    };
  }
}
