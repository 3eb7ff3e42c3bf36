import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath, refs } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { LoginTokensResponseDto, MfaEnrollmentRequiredResponseDto, MfaRequiredResponseDto, RegisteredUserDto, StepUpResponseDto } from '../auth/dto/auth-responses.dto.js';
import { LoginDto, RegisterDto } from '../auth/dto/auth.dto.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { Authenticated, CurrentPrincipal, Public } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { LoginService } from './login.service.js';
import { RegistrationService } from './registration.service.js';

/** The first step of a login, and of a step-up: a password, or a session, for an mfaToken or tokens. */
@ApiTags('auth')
@Controller('auth')
export class LoginController {
  constructor(
    private readonly flow: LoginService,
    private readonly registration: RegistrationService,
  ) {}

  @Post('register')
  @Public()
  // Registration answers 409 for a taken email; per-IP throttling keeps that from being a sweep (security.md).
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: RegisteredUserDto, description: 'The account; `phone`, when given, is kept as a pending SMS factor' })
  @ApiProblems('CONFLICT', 'SMS_DESTINATION_NOT_ALLOWED')
  async register(@Body() body: RegisterDto, @ReqMeta() meta: RequestMeta) {
    const user = await this.registration.register(body, meta);
    return { id: user.id, email: user.email };
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @Throttle({ default: { limit: 20, ttl: 60_000 } })
  @ApiOperation({ summary: 'Password login: tokens, or an mfaToken for the second factor' })
  @ApiExtraModels(LoginTokensResponseDto, MfaRequiredResponseDto, MfaEnrollmentRequiredResponseDto)
  @ApiOkResponse({
    description: 'Tokens (`authenticated`), or a single-use mfaToken: `mfa_required` (complete a listed factor) or `mfa_enrollment_required` (enrol a first factor)',
    schema: {
      oneOf: refs(LoginTokensResponseDto, MfaRequiredResponseDto, MfaEnrollmentRequiredResponseDto),
      discriminator: {
        propertyName: 'status',
        mapping: {
          authenticated: getSchemaPath(LoginTokensResponseDto),
          mfa_required: getSchemaPath(MfaRequiredResponseDto),
          mfa_enrollment_required: getSchemaPath(MfaEnrollmentRequiredResponseDto),
        },
      },
    },
  })
  @ApiProblems('INVALID_CREDENTIALS')
  login(@Body() body: LoginDto, @ReqMeta() meta: RequestMeta) {
    return this.flow.login(body.email, body.password, meta);
  }

  @Post('step-up')
  @Authenticated()
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Start a second-factor check that upgrades this session' })
  @ApiOkResponse({ type: StepUpResponseDto, description: 'An mfaToken for /auth/mfa/challenges and /auth/mfa/verify' })
  stepUp(@CurrentPrincipal() principal: AccessPrincipal) {
    return this.flow.startStepUp(principal.user, principal.sessionId);
  }
}
