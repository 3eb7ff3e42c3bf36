import { Body, Controller, Header, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Authenticated, CurrentPrincipal } from '../../../vocabulary/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../../../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../../../common/http/request-meta.js';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { TotpEnrolmentDto } from '../../dto/mfa-responses.dto.js';
import { UsersService } from '../../../users/users.service.js';
import { MfaException } from '../../mfa.exception.js';
import { EnrolTotpDto } from './enrol-totp.dto.js';
import { TotpEnrolmentService } from './totp-enrolment.service.js';

/** Adding an authenticator app. Also accepts the enrolment mfaToken, for a first factor (api.md). */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/factors/totp')
export class TotpEnrolmentController {
  constructor(
    private readonly enrolment: TotpEnrolmentService,
    private readonly users: UsersService,
  ) {}

  @Post()
  @Authenticated({ mfaPurposes: ['enroll'] })
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  // The secret is shown once: no cache may keep a copy (RFC 9111 §5.2.2.5).
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Add an authenticator app: a pending TOTP factor, its secret and QR code (shown once)' })
  @ApiCreatedResponse({ type: TotpEnrolmentDto, description: 'A pending factor; activate it with a first code from the app' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_FACTOR_NOT_ALLOWED', 'CONFLICT')
  async enrol(
    @Body() body: EnrolTotpDto,
    @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal,
    @ReqMeta() meta: RequestMeta,
  ) {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new MfaException('NOT_FOUND');
    return this.enrolment.enrol(body.label, { principal, user, meta });
  }
}
