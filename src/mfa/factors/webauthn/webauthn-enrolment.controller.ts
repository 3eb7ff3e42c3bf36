import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Authenticated, CurrentPrincipal } from '../../../vocabulary/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../../../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../../../common/http/request-meta.js';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { ActivatedFactorDto, WebauthnRegistrationOptionsDto } from '../../dto/mfa-responses.dto.js';
import { UsersService } from '../../../users/users.service.js';
import { MfaException } from '../../mfa.exception.js';
import type { FactorContext } from '../../mfa-factor.js';
import { RegisterWebauthnDto } from './webauthn.dto.js';
import { WebauthnRegistrationService } from './webauthn-registration.service.js';

/**
 * Adding a passkey or security key. Like every enrolment route it also
 * accepts the enrolment mfaToken, for a user's first factor; who may enrol
 * is decided by FactorChangePolicyService.
 */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/factors/webauthn')
export class WebauthnEnrolmentController {
  constructor(
    private readonly registration: WebauthnRegistrationService,
    private readonly users: UsersService,
  ) {}

  @Post('options')
  @Authenticated({ mfaPurposes: ['enroll'] })
  @HttpCode(200)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiOperation({ summary: 'Registration options (PublicKeyCredentialCreationOptionsJSON) for navigator.credentials.create()' })
  @ApiOkResponse({ type: WebauthnRegistrationOptionsDto, description: 'Options for navigator.credentials.create()' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_FACTOR_NOT_ALLOWED', 'CONFLICT')
  async options(@CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.registration.options(await this.context(principal, meta));
  }

  @Post()
  @Authenticated({ mfaPurposes: ['enroll'] })
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiOperation({ summary: 'Register the credential created with those options: an active webauthn factor' })
  @ApiCreatedResponse({ type: ActivatedFactorDto, description: 'The active factor; with the enrolment mfaToken also the tokens of an aal2 session' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_FACTOR_NOT_ALLOWED', 'MFA_INVALID_CODE', 'MFA_CHALLENGE_EXPIRED', 'MFA_CHALLENGE_USED', 'CONFLICT')
  async register(@Body() body: RegisterWebauthnDto, @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.registration.register(body.credential, body.label, await this.context(principal, meta));
  }

  private async context(principal: AccessPrincipal | MfaPrincipal, meta: RequestMeta): Promise<FactorContext> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new MfaException('NOT_FOUND');
    return { principal, user, meta };
  }
}
