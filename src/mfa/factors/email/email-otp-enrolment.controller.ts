import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ReqMeta, type RequestMeta } from '../../../common/http/request-meta.js';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { text } from '../../../common/validation/fields.js';
import { Authenticated, CurrentPrincipal } from '../../../vocabulary/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../../../vocabulary/principal.js';
import { EmailOtpEnrolmentService } from './email-otp-enrolment.service.js';

export class EnrolEmailDto extends createZodDto(
  z.strictObject({
    email: text(254).optional().meta({ example: 'ada@example.com', description: "The account's address (the only one a code is sent to); may be left out" }),
  }),
) {}

export class EmailEnrolmentDto {
  @ApiProperty({ format: 'uuid' })
  factorId: string;

  @ApiProperty({ format: 'uuid', description: 'Activate with this challenge and the code emailed' })
  challengeId: string;

  @ApiProperty({ example: 'a•••@example.com' })
  destination: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ enum: ['pending'] })
  status: 'pending';
}

/** Adding the email factor (when the policy allows it). Also accepts the enrolment mfaToken, for a first factor. */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/factors/email')
export class EmailOtpEnrolmentController {
  constructor(private readonly enrolment: EmailOtpEnrolmentService) {}

  @Post()
  @Authenticated({ mfaPurposes: ['enroll'] })
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiOperation({ summary: 'Add email codes: a pending factor and a code sent to my address' })
  @ApiCreatedResponse({ type: EmailEnrolmentDto, description: 'A pending factor; activate it with the code emailed and this challenge' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_FACTOR_NOT_ALLOWED', 'CONFLICT')
  enrol(@Body() body: EnrolEmailDto, @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.enrolment.enrol(body.email, { principal, user: principal.user, meta });
  }
}
