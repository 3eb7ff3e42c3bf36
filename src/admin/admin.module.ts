import { Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { PolicyModule } from '../policy/policy.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersService } from './admin-users.service.js';
import { AuditEventsController } from './audit-events.controller.js';
import { AuditQueryService } from './audit-query.service.js';
import { MfaStatsController } from './mfa-stats.controller.js';
import { MfaStatsService } from './mfa-stats.service.js';
import { PolicyDryRunService } from './policy-dry-run.service.js';
import { PolicyPreviewController } from './policy-preview.controller.js';

/** Administration: user support, the audit log and MFA figures. Every route needs an aal2 admin. */
@Module({})
export class AdminModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: AdminModule,
      imports: [UsersModule, SessionsModule, PolicyModule, MfaModule.register(runtime)],
      controllers: [AdminUsersController, AuditEventsController, MfaStatsController, PolicyPreviewController],
      providers: [AdminUsersService, AuditQueryService, MfaStatsService, PolicyDryRunService],
    };
  }
}
