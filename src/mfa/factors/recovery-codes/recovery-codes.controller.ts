import { Controller, Header, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Authenticated, CurrentPrincipal } from '../../../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../../../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../../../common/http/request-meta.js';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { RecoveryCodesDto } from '../../dto/mfa-responses.dto.js';
import { RecoveryCodesService } from './recovery-codes.service.js';

/** A user's recovery codes: a signed-in session only, and a fresh aal2 one once a factor is active. */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/recovery-codes')
export class RecoveryCodesController {
  constructor(private readonly codes: RecoveryCodesService) {}

  @Post()
  @Authenticated()
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  // Shown once: no cache may keep a copy (RFC 9111 §5.2.2.5).
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Generate 10 recovery codes, shown once; any earlier set stops working' })
  @ApiCreatedResponse({ type: RecoveryCodesDto, description: 'The new set, shown this once' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_FACTOR_NOT_ALLOWED')
  generate(@CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.codes.generate(principal, meta);
  }
}
