import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ApiProblems } from '../../../common/openapi/api-problems.decorator.js';
import { CurrentPrincipal, MfaTokenAuth } from '../../../vocabulary/access.decorators.js';
import type { MfaPrincipal } from '../../../vocabulary/principal.js';
import { bindingOf } from '../../challenge-binding.js';
import { SmsChallengeStatusDto } from '../../dto/mfa-responses.dto.js';
import { SmsChallengeService } from './sms-challenge.service.js';
import { UuidParam } from '../../../common/http/uuid-param.js';
import { MfaException } from '../../mfa.exception.js';

/** Where an SMS challenge's code is, so the client can wait, or offer another factor at once (api.md, second wave). */
@ApiTags('mfa')
@ApiBearerAuth()
@Controller('auth/mfa')
export class SmsChallengeController {
  constructor(private readonly smsChallenges: SmsChallengeService) {}

  @Get('challenges/:id')
  @MfaTokenAuth(['login', 'step_up', 'enroll'])
  @Throttle({ default: { limit: 60, ttl: 60_000 } })
  @ApiOperation({ summary: 'An SMS challenge with the delivery state of its latest code' })
  @ApiOkResponse({ type: SmsChallengeStatusDto, description: 'The challenge; when delivery failed, the other factors too' })
  @ApiProblems('NOT_FOUND')
  get(@UuidParam('id', () => new MfaException('NOT_FOUND')) id: string, @CurrentPrincipal() principal: MfaPrincipal) {
    return this.smsChallenges.status(id, bindingOf(principal));
  }
}
