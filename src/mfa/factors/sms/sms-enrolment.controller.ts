import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ReqMeta, type RequestMeta } from '../../../common/http/request-meta.js';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { Authenticated, CurrentPrincipal } from '../../../vocabulary/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../../../vocabulary/principal.js';
import { SmsEnrolmentDto } from '../../dto/mfa-responses.dto.js';
import { EnrolSmsDto } from '../../dto/mfa.dto.js';
import { SmsEnrolmentService } from './sms-enrolment.service.js';

/** Adding a phone. Also accepts the enrolment mfaToken, for a first factor (api.md). */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/factors/sms')
export class SmsEnrolmentController {
  constructor(private readonly smsEnrolment: SmsEnrolmentService) {}

  @Post()
  @Authenticated({ mfaPurposes: ['enroll'] })
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiOperation({ summary: 'Add a phone: a pending SMS factor and a code sent to it' })
  @ApiCreatedResponse({ type: SmsEnrolmentDto, description: 'A pending factor; activate it with the code sent and this challenge' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_FACTOR_NOT_ALLOWED', 'SMS_DESTINATION_NOT_ALLOWED', 'SMS_DELIVERY_FAILED', 'CONFLICT')
  async enrol(@Body() body: EnrolSmsDto, @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.smsEnrolment.enrol(body.phone, { principal, user: principal.user, meta });
  }
}
