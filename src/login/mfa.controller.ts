import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath, refs } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { CurrentPrincipal, MfaTokenAuth } from '../vocabulary/access.decorators.js';
import type { MfaPrincipal } from '../vocabulary/principal.js';
import { VerifiedTokensResponseDto } from '../auth/dto/auth-responses.dto.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { SmsChallengeDto, WebauthnChallengeDto } from '../mfa/dto/mfa-responses.dto.js';
import { StartChallengeDto, VerifyDto } from '../mfa/dto/mfa.dto.js';
import { MfaService } from '../mfa/mfa.service.js';

/** The second step of a login or step-up: only an mfaToken gets in. SMS resend is the SMS factor's (factors/sms). */
@ApiTags('mfa')
@ApiBearerAuth()
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('challenges')
  @MfaTokenAuth(['login', 'step_up'])
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiOperation({ summary: 'Start a challenge for one of the listed factors (SMS: sends a code)' })
  @ApiExtraModels(SmsChallengeDto, WebauthnChallengeDto)
  @ApiCreatedResponse({
    description: 'The challenge: SMS (the code is on its way) or WebAuthn (request options for navigator.credentials.get())',
    schema: {
      oneOf: refs(SmsChallengeDto, WebauthnChallengeDto),
      discriminator: { propertyName: 'type', mapping: { sms: getSchemaPath(SmsChallengeDto), webauthn: getSchemaPath(WebauthnChallengeDto) } },
    },
  })
  @ApiProblems('MFA_FACTOR_NOT_ALLOWED', 'MFA_CHALLENGE_USED', 'RESEND_TOO_SOON', 'SMS_DESTINATION_NOT_ALLOWED', 'SMS_DELIVERY_FAILED')
  challenge(@Body() body: StartChallengeDto, @CurrentPrincipal() principal: MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.mfa.startChallenge(principal, body.factorId, meta);
  }

  @Post('verify')
  @MfaTokenAuth(['login', 'step_up'], { allowConsumed: true })
  @HttpCode(200)
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @ApiOperation({ summary: 'Verify a second factor and receive full (aal2) tokens' })
  @ApiOkResponse({ type: VerifiedTokensResponseDto, description: 'Tokens of an aal2 session (`amr` names the factor); the mfaToken is spent' })
  @ApiProblems('MFA_INVALID_CODE', 'MFA_CHALLENGE_EXPIRED', 'MFA_CHALLENGE_USED', 'MFA_CHALLENGE_LOCKED', 'MFA_FACTOR_NOT_ALLOWED')
  verify(@Body() body: VerifyDto, @CurrentPrincipal() principal: MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.mfa.verify(principal, body, meta);
  }
}
