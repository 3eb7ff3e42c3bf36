import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { CurrentPrincipal, MfaTokenAuth } from '../auth/guards/access.decorators.js';
import type { MfaPrincipal } from '../auth/guards/principal.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { StartChallengeDto, VerifyDto } from './dto/mfa.dto.js';
import { bindingOf } from './challenge-binding.js';
import { SmsChallengeService } from './factors/sms/sms-challenge.service.js';
import { MfaService } from './mfa.service.js';

/** The second step of a login or step-up: only an mfaToken gets in. */
@ApiTags('mfa')
@ApiBearerAuth()
@Controller('auth/mfa')
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly smsChallenges: SmsChallengeService,
  ) {}

  @Post('challenges')
  @MfaTokenAuth(['login', 'step_up'])
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiOperation({ summary: 'Start a challenge for one of the listed factors (SMS: sends a code)' })
  challenge(@Body() body: StartChallengeDto, @CurrentPrincipal() principal: MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.mfa.startChallenge(principal, body.factorId, meta);
  }

  @Post('challenges/:id/resend')
  @MfaTokenAuth(['login', 'step_up', 'enroll'])
  @HttpCode(200)
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiOperation({ summary: 'Send a new code for an SMS challenge (the old one stops working)' })
  async resend(@Param('id') id: string, @CurrentPrincipal() principal: MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.smsChallenges.resend(id, bindingOf(principal), { meta, userLocale: principal.user.locale });
  }

  @Post('verify')
  @MfaTokenAuth(['login', 'step_up'], { allowConsumed: true })
  @HttpCode(200)
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @ApiOperation({ summary: 'Verify a second factor and receive full (aal2) tokens' })
  verify(@Body() body: VerifyDto, @CurrentPrincipal() principal: MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.mfa.verify(principal, body, meta);
  }
}
