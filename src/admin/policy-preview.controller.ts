import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../vocabulary/access.decorators.js';
import { MfaPolicyDto, POLICY_RULES_EXAMPLE } from '../policy/dto/policy.dto.js';
import { DryRunReportDto, EffectivePolicyDto } from './dto/policy-preview.dto.js';
import { PolicyDryRunService, type DryRunReport, type EffectivePolicyView } from './policy-dry-run.service.js';
import { UuidParam } from '../common/http/uuid-param.js';
import { CommonException } from '../common/errors/problem.exception.js';

function noSuchUser() {
  return new CommonException('NOT_FOUND', { detail: 'No such user.' });
}

/** What a policy does to users, before and after it is saved. Reading only: an aal2 admin. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
export class PolicyPreviewController {
  constructor(private readonly preview: PolicyDryRunService) {}

  @Post('mfa/policy/dry-run')
  @Authenticated({ aal: 2, roles: ['admin'] })
  @HttpCode(200)
  @ApiOperation({
    summary: 'What a candidate policy would do to every user, without saving it',
    description:
      'The body is a whole policy document, validated as PUT validates it. Counts come from the same evaluation the next logins use; nothing is stored.',
  })
  @ApiBody({ type: MfaPolicyDto, examples: { rules: { summary: 'Admins need WebAuthn or TOTP', value: POLICY_RULES_EXAMPLE } } })
  @ApiOkResponse({ type: DryRunReportDto, description: 'Counts per rule and the affected users' })
  // Validated by validatePolicyDocument, as the PUT body is.
  dryRun(@Body() body: unknown): Promise<DryRunReport> {
    return this.preview.dryRun(body);
  }

  @Get('users/:id/mfa/effective-policy')
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'The rule that applies to a user and what their next login asks, under the policy in force' })
  @ApiOkResponse({ type: EffectivePolicyDto, description: 'The matched rule and the next login' })
  effectivePolicy(@UuidParam('id', noSuchUser) id: string): Promise<EffectivePolicyView> {
    return this.preview.effectivePolicy(id);
  }
}
