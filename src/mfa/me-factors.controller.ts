import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { UuidParam } from '../common/http/uuid-param.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { ActivatedFactorDto, FactorViewDto } from './dto/mfa-responses.dto.js';
import { ActivateFactorDto, RenameFactorDto } from './dto/mfa.dto.js';
import { FactorChangePolicyService } from './factor-change-policy.service.js';
import { FactorManagementService } from './factor-management.service.js';
import { MfaException } from './mfa.exception.js';
import { MfaService } from './mfa.service.js';
import { MfaFactorsService, toFactorView } from './mfa-factors.service.js';

/** A user's own factors. Enrolment is each factor's (factors/*); activation also accepts the enrolment mfaToken, for a first factor. */
const noSuchFactor = () => new MfaException('NOT_FOUND', { detail: 'No such factor.' });

@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/factors')
export class MeFactorsController {
  constructor(
    private readonly factors: MfaFactorsService,
    private readonly mfa: MfaService,
    private readonly changes: FactorChangePolicyService,
    private readonly management: FactorManagementService,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'List my factors' })
  @ApiOkResponse({ type: [FactorViewDto], description: 'Every factor, pending or active, masked' })
  async list(@CurrentPrincipal() principal: AccessPrincipal) {
    return (await this.factors.listForUser(principal.userId)).map(toFactorView);
  }

  @Post(':id/activate')
  @Authenticated({ mfaPurposes: ['enroll'] })
  @HttpCode(200)
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @ApiOperation({ summary: 'Activate a pending factor with its first code' })
  @ApiOkResponse({ type: ActivatedFactorDto, description: 'The active factor; with the enrolment mfaToken also the tokens of an aal2 session (the login is complete)' })
  @ApiProblems('STEP_UP_REQUIRED', 'MFA_INVALID_CODE', 'MFA_CHALLENGE_EXPIRED', 'MFA_CHALLENGE_USED', 'MFA_CHALLENGE_LOCKED', 'CONFLICT')
  activate(
    @UuidParam('id', noSuchFactor) id: string,
    @Body() body: ActivateFactorDto,
    @CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal,
    @ReqMeta() meta: RequestMeta,
  ) {
    return this.mfa.activate(principal, id, body, meta);
  }

  @Patch(':id')
  @Authenticated()
  @ApiOperation({ summary: 'Rename a factor (authenticator apps, passkeys)' })
  @ApiOkResponse({ type: FactorViewDto, description: 'The renamed factor' })
  @ApiProblems('STEP_UP_REQUIRED', 'FORBIDDEN', 'CONFLICT')
  async rename(@UuidParam('id', noSuchFactor) id: string, @Body() body: RenameFactorDto, @CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta) {
    await this.changes.assertMayChange(principal);
    return this.management.rename(principal.userId, id, body.label, meta);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a factor; the other sessions of the account are signed out' })
  @ApiNoContentResponse({ description: 'Removed; the account\'s other sessions are signed out' })
  @ApiProblems('STEP_UP_REQUIRED', 'FORBIDDEN', 'CONFLICT')
  async remove(@UuidParam('id', noSuchFactor) id: string, @CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.changes.assertMayChange(principal);
    await this.management.remove(principal.userId, id, { actorId: null, keepSessionId: principal.sessionId, meta });
  }
}
