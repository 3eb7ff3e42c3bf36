import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { Authenticated, CurrentPrincipal, Public } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { ChangePasswordDto, ForgotPasswordDto, ForgotPasswordResponseDto, ResetPasswordDto } from './dto/account.dto.js';
import { PasswordChangeService } from './password-change.service.js';
import { PasswordResetService } from './password-reset.service.js';

@ApiTags('auth')
@Controller()
export class PasswordController {
  constructor(
    private readonly reset: PasswordResetService,
    private readonly change: PasswordChangeService,
  ) {}

  @Post('auth/password/forgot')
  @Public()
  @HttpCode(202)
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiOperation({ summary: 'Email a password-reset link (valid 30 minutes, single use); the same answer for every address' })
  @ApiAcceptedResponse({ type: ForgotPasswordResponseDto, description: 'Always this answer; an account with the address gets the link (at most 3 an hour)' })
  async forgot(@Body() body: ForgotPasswordDto, @ReqMeta() meta: RequestMeta): Promise<ForgotPasswordResponseDto> {
    await this.reset.forgot(body.email, meta);
    return { status: 'accepted' };
  }

  @Post('auth/password/reset')
  @Public()
  @HttpCode(204)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiOperation({ summary: 'Set a new password with the emailed token; signs out every session, issues none, leaves MFA as it was' })
  @ApiNoContentResponse({ description: 'The password is changed; sign in again (with the second factor when the account has one)' })
  @ApiProblems('PASSWORD_RESET_TOKEN_INVALID')
  async resetPassword(@Body() body: ResetPasswordDto, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.reset.reset(body.token, body.password, meta);
  }

  @Post('me/password')
  @Authenticated()
  @HttpCode(204)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiTags('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change my password (fresh aal2 needed when I have a second factor); my other sessions are signed out' })
  @ApiNoContentResponse({ description: 'Changed; this session stays, the others end' })
  @ApiProblems('INVALID_CURRENT_PASSWORD', 'STEP_UP_REQUIRED')
  async changePassword(@Body() body: ChangePasswordDto, @CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.change.change(principal, body.currentPassword, body.newPassword, meta);
  }
}
