import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { AppRuntime } from './app-runtime.js';
import { AccountModule } from './account/account.module.js';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter.js';
import { RateLimitGuard, rateLimitScaleProvider } from './common/http/rate-limit.guard.js';
import { RedisThrottlerStorage } from './common/http/redis-throttler.storage.js';
import { loggerOptions } from './common/logging.js';
import { rateLimitKey } from './common/http/rate-limit-key.js';
import { CoreModule } from './common/core.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runMigrations } from './database/run-migrations.js';
import { HealthModule } from './health/health.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { LoginModule } from './login/login.module.js';
import { PolicyModule } from './policy/policy.module.js';
import type { RequestWithMeta } from './common/http/request-meta.js';

@Module({})
export class AppModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(runtime),
        LoggerModule.forRoot(loggerOptions(runtime.config, runtime.logStream)),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(runtime.databaseUrl, { poolSize: runtime.config.databasePoolSize }),
          // Migrations under an advisory lock, so instances starting together apply each one once.
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            if (runtime.runMigrations ?? true) {
              await runMigrations(dataSource).catch(async (error: unknown) => {
                await dataSource.destroy();
                throw error;
              });
            }
            return dataSource;
          },
        }),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: 300 }],
          // The client address as resolved once per request (TRUST_PROXY-aware), not Express's guess; IPv6 by its /64.
          getTracker: (req) => rateLimitKey((req as unknown as RequestWithMeta).meta?.ip),
          setHeaders: true,
          ...(runtime.config.redisUrl ? { storage: new RedisThrottlerStorage(runtime.config.redisUrl) } : {}),
        }),
        AuditModule,
        PolicyModule,
        AuthModule,
        LoginModule.register(runtime),
        HealthModule,
        AdminModule.register(runtime),
        MaintenanceModule,
        AccountModule.register(runtime),
        // The outbox worker, lease renewal and retention; not for one-shot commands.
        ...(runtime.backgroundJobs === false ? [] : [ScheduleModule.forRoot()]),
      ],
      providers: [
        // Guards run in this order: throttling first, so floods are turned away before any token work.
        rateLimitScaleProvider,
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
