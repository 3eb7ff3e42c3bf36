import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';

/** Global: every module records events, and none should have to wire this in. */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
