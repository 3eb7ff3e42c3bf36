import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../common/validation/fields.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { emailAddress } from '../users/email-address.js';
import { Authenticated, CurrentPrincipal, Public } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { EmailVerificationService } from './email-verification.service.js';

export class VerifyEmailDto extends createZodDto(
  z.strictObject({ token: text(128).meta({ description: 'The token from the mailed link (`…/verify-email#token=…`)' }) }),
) {}

export class ChangeEmailDto extends createZodDto(
  z.strictObject({ email: z.string().trim().max(254).pipe(emailAddress).meta({ example: 'ada@new.example.com' }) }),
) {}

@Controller()
export class EmailController {
  constructor(private readonly verification: EmailVerificationService) {}

  @Post('auth/email/verify')
  @Public()
  @HttpCode(204)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @ApiTags('auth')
  @ApiOperation({ summary: 'Open a mailed verification link: the address is verified (or, for a change, becomes the account\'s)' })
  @ApiNoContentResponse({ description: 'Verified; after a change the old address is told' })
  @ApiProblems('EMAIL_VERIFICATION_TOKEN_INVALID', 'CONFLICT')
  async verify(@Body() body: VerifyEmailDto, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.verification.verify(body.token, meta);
  }

  @Post('me/email')
  @Authenticated()
  @HttpCode(204)
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiTags('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change my address: a link goes to the new one, which replaces the old once opened (fresh aal2 with a second factor)' })
  @ApiNoContentResponse({ description: 'The link is on its way; nothing changes until it is opened' })
  @ApiProblems('STEP_UP_REQUIRED', 'CONFLICT')
  async change(@Body() body: ChangeEmailDto, @CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.verification.requestChange(principal, body.email, meta);
  }

  @Post('me/email/verification')
  @Authenticated()
  @HttpCode(204)
  @Throttle({ default: { limit: 3, ttl: 60_000 } })
  @ApiTags('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Mail a new verification link to my address' })
  @ApiNoContentResponse({ description: 'The link is on its way' })
  async resend(@CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.verification.resend(principal, meta);
  }
}
