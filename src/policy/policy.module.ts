import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MfaPolicyVersion } from './mfa-policy-version.entity.js';
import { PolicyController } from './policy.controller.js';
import { PolicyService } from './policy.service.js';

/** The MFA policy in force, its versions and its admin routes; the login flow, the guard and the factors import it. */
@Module({
  imports: [TypeOrmModule.forFeature([MfaPolicyVersion])],
  controllers: [PolicyController],
  providers: [PolicyService],
  exports: [PolicyService],
})
export class PolicyModule {}
