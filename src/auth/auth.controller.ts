import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath, refs } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { AuthService } from './auth.service.js';
import { MeResponseDto, MfaEnrollmentRequiredResponseDto, MfaRequiredResponseDto, RegisteredUserDto, StepUpResponseDto, TokensResponseDto } from './dto/auth-responses.dto.js';
import { LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import { Authenticated, CurrentPrincipal, Public } from './guards/access.decorators.js';
import type { AccessPrincipal } from './guards/principal.js';
import { RegistrationService } from './registration.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
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
  @ApiExtraModels(TokensResponseDto, MfaRequiredResponseDto, MfaEnrollmentRequiredResponseDto)
  @ApiOkResponse({
    description: 'Tokens (`authenticated`), or a single-use mfaToken: `mfa_required` (complete a listed factor) or `mfa_enrollment_required` (enrol a first factor)',
    schema: {
      oneOf: refs(TokensResponseDto, MfaRequiredResponseDto, MfaEnrollmentRequiredResponseDto),
      discriminator: {
        propertyName: 'status',
        mapping: {
          authenticated: getSchemaPath(TokensResponseDto),
          mfa_required: getSchemaPath(MfaRequiredResponseDto),
          mfa_enrollment_required: getSchemaPath(MfaEnrollmentRequiredResponseDto),
        },
      },
    },
  })
  @ApiProblems('INVALID_CREDENTIALS')
  login(@Body() body: LoginDto, @ReqMeta() meta: RequestMeta) {
    return this.auth.login(body.email, body.password, meta);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @Throttle({ default: { limit: 60, ttl: 60_000 } })
  @ApiOperation({ summary: 'Rotate a refresh token' })
  @ApiOkResponse({ type: TokensResponseDto, description: 'New tokens; the refresh token sent is spent (reusing it revokes the session)' })
  @ApiProblems('REFRESH_TOKEN_INVALID')
  refresh(@Body() body: RefreshDto, @ReqMeta() meta: RequestMeta) {
    return this.auth.refresh(body.refreshToken, meta);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End this session everywhere it is used' })
  @ApiNoContentResponse({ description: 'The session and its refresh token are revoked' })
  async logout(@CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.auth.logout(principal.userId, principal.sessionId, meta);
  }

  @Post('step-up')
  @Authenticated()
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Start a second-factor check that upgrades this session' })
  @ApiOkResponse({ type: StepUpResponseDto, description: 'An mfaToken for /auth/mfa/challenges and /auth/mfa/verify' })
  stepUp(@CurrentPrincipal() principal: AccessPrincipal) {
    return this.auth.startStepUp(principal.userId, principal.sessionId);
  }

  @Get('me')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller and the assurance of their session' })
  @ApiOkResponse({ type: MeResponseDto, description: 'The caller' })
  async me(@CurrentPrincipal() principal: AccessPrincipal) {
    return {
      id: principal.userId,
      email: principal.user.email,
      roles: principal.roles,
      aal: principal.aal,
      amr: principal.amr,
      authTime: principal.authTime.toISOString(),
    };
  }
}
