import { Module } from '@nestjs/common';
import { AbuseMonitorService } from './abuse-monitor.service.js';
import { AlertService } from './alert.service.js';

/** Alerts to the operator (webhook) and the abuse monitor that raises them. */
@Module({ providers: [AlertService, AbuseMonitorService], exports: [AlertService, AbuseMonitorService] })
export class AlertsModule {}
