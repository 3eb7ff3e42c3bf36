import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Authenticated, CurrentPrincipal } from '../auth/guards/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../auth/guards/principal.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { UsersService } from '../users/users.service.js';
import { ActivateFactorDto, EnrolSmsDto } from './dto/mfa.dto.js';
import { SmsEnrolmentService } from './factors/sms/sms-enrolment.service.js';
import { MfaException } from './mfa.exception.js';
import { MfaService } from './mfa.service.js';
import { MfaFactorsService, toFactorView } from './mfa-factors.service.js';

/** A user's own factors. Enrolment also accepts the enrolment mfaToken, for a first factor. */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/factors')
export class MeFactorsController {
  constructor(
    private readonly factors: MfaFactorsService,
    private readonly mfa: MfaService,
    private readonly smsEnrolment: SmsEnrolmentService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'List my factors' })
  async list(@CurrentPrincipal() principal: AccessPrincipal) {
    return (await this.factors.listForUser(principal.userId)).map(toFactorView);
  }

  @Post('sms')
  @Authenticated({ mfaPurposes: ['enroll'] })
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @ApiOperation({ summary: 'Add a phone: a pending SMS factor and a code sent to it' })
  async enrolSms(@Body() body: EnrolSmsDto, @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal, @ReqMeta() meta: RequestMeta) {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new MfaException('NOT_FOUND');
    return this.smsEnrolment.enrol(body.phone, { principal, user, meta });
  }

  @Post(':id/activate')
  @Authenticated({ mfaPurposes: ['enroll'] })
  @HttpCode(200)
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @ApiOperation({ summary: 'Activate a pending factor with its first code' })
  activate(
    @Param('id') id: string,
    @Body() body: ActivateFactorDto,
    @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal,
    @ReqMeta() meta: RequestMeta,
  ) {
    return this.mfa.activate(principal, id, body, meta);
  }
}
