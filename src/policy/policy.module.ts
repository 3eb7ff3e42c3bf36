import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MfaPolicyVersion } from './mfa-policy-version.entity.js';
import { PolicyController } from './policy.controller.js';
import { PolicyService } from './policy.service.js';

/** Global: the login flow, the guards and every factor read the policy in force. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([MfaPolicyVersion])],
  controllers: [PolicyController],
  providers: [PolicyService],
  exports: [PolicyService],
})
export class PolicyModule {}
