import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ReqMeta, type RequestMeta } from '../../../common/http/request-meta.js';
import { UuidParam } from '../../../common/http/uuid-param.js';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { CurrentPrincipal, MfaTokenAuth } from '../../../vocabulary/access.decorators.js';
import type { MfaPrincipal } from '../../../vocabulary/principal.js';
import { bindingOf } from '../../challenge-binding.js';
import { MfaException } from '../../mfa.exception.js';
import { SmsChallengeDto } from '../../dto/mfa-responses.dto.js';
import { SmsChallengeService } from './sms-challenge.service.js';

/** A new code for an SMS challenge, on the second step of a login (or an SMS enrolment). */
@ApiTags('mfa')
@ApiBearerAuth()
@Controller('auth/mfa')
export class SmsResendController {
  constructor(private readonly smsChallenges: SmsChallengeService) {}

  @Post('challenges/:id/resend')
  @MfaTokenAuth(['login', 'step_up', 'enroll'])
  @HttpCode(200)
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiOperation({ summary: 'Send a new code for an SMS challenge (the old one stops working)' })
  @ApiOkResponse({ type: SmsChallengeDto, description: 'The challenge with its new code on its way; attempts are not reset' })
  @ApiProblems('RESEND_TOO_SOON', 'MFA_CHALLENGE_EXPIRED', 'MFA_CHALLENGE_USED', 'MFA_CHALLENGE_LOCKED', 'SMS_DESTINATION_NOT_ALLOWED', 'SMS_DELIVERY_FAILED')
  async resend(@UuidParam('id', () => new MfaException('NOT_FOUND')) id: string, @CurrentPrincipal() principal: MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.smsChallenges.resend(id, bindingOf(principal), { meta, userLocale: principal.user.locale });
  }
}
