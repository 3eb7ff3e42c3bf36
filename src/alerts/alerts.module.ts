import { Global, Module } from '@nestjs/common';
import { AlertService } from './alert.service.js';

@Global()
@Module({ providers: [AlertService], exports: [AlertService] })
export class AlertsModule {}
