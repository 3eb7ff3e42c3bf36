import { Global, Module } from '@nestjs/common';
import { AbuseMonitorService } from './abuse-monitor.service.js';
import { AlertService } from './alert.service.js';

@Global()
@Module({ providers: [AlertService, AbuseMonitorService], exports: [AlertService, AbuseMonitorService] })
export class AlertsModule {}
