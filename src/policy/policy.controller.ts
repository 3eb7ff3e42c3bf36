import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { validationFailed } from '../common/errors/problem.exception.js';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { MfaPolicyDto, POLICY_RULES_EXAMPLE, PolicyVersionDto, PolicyVersionPageDto, PolicyVersionsQueryDto, ReplacedPolicyDto, RollbackDto } from './dto/policy.dto.js';
import { DEFAULT_MFA_POLICY, type MfaPolicy } from './mfa-policy.js';
import { PolicyService, type ExpectedVersion, type PolicyVersionDetails, type PolicyVersionPage, type PolicyWarning } from './policy.service.js';

/** The example of api.md, shown in the OpenAPI document. */
const POLICY_EXAMPLE = { ...DEFAULT_MFA_POLICY, version: 3 };


/**
 * The MFA policy, as admins see and change it. Reading needs an aal2 admin;
 * replacing it also needs a recent second factor, since it can switch MFA off.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/mfa/policy')
export class PolicyController {
  constructor(private readonly policy: PolicyService) {}

  @Get()
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'The MFA policy in force, with its version (0 until an admin first changes it)' })
  @ApiOkResponse({ type: MfaPolicyDto, description: 'The policy document' })
  current(): Promise<MfaPolicy> {
    return this.policy.current();
  }

  @Put()
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the whole MFA policy',
    description:
      'Every field is required; `version` may be sent and is ignored. Returns the new document with its new `version`, and `warnings` ' +
      'when users are left with only factors the policy no longer allows (those keep working until the user enrols an allowed one).',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The `version` the change was made from (`3` or `"3"`); a newer stored version refuses the change with 412 PRECONDITION_FAILED. Absent or `*`: no check.',
    example: '3',
  })
  @ApiBody({ type: MfaPolicyDto, examples: { policy: { value: POLICY_EXAMPLE }, rules: { summary: 'Admins need WebAuthn or TOTP', value: POLICY_RULES_EXAMPLE } } })
  @ApiOkResponse({ type: ReplacedPolicyDto, description: 'The new policy with its new `version`' })
  async replace(
    // Validated by validatePolicyDocument, not a DTO class: the rules span fields and
    // the error paths must read `sms.ttlSeconds` / `allowedFactors[2]`.
    @Body() body: unknown,
    @CurrentPrincipal() admin: AccessPrincipal,
    @ReqMeta() meta: RequestMeta,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<MfaPolicy & { warnings?: PolicyWarning[] }> {
    const policy = await this.policy.replace(body, { userId: admin.userId }, meta, expectedVersion(ifMatch));
    return this.withWarnings(policy);
  }

  @Get('versions')
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'The history of the policy, newest first, each version with what it changed' })
  @ApiOkResponse({ type: PolicyVersionPageDto, description: 'One page; follow `nextCursor` for older versions' })
  versions(@Query() query: PolicyVersionsQueryDto): Promise<PolicyVersionPage> {
    return this.policy.versionsPage(query);
  }

  @Get('versions/:version')
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'One version: its whole document and the diff against the version before it' })
  @ApiParam({ name: 'version', example: 3 })
  @ApiOkResponse({ type: PolicyVersionDto, description: 'The version' })
  version(@Param('version') version: string): Promise<PolicyVersionDetails> {
    return this.policy.versionDetails(versionNumber(version, 'version'));
  }

  @Post('rollback')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make a new version equal to an old one',
    description: 'History is never rewritten: the rollback is version N+1 with the document of `version`, audited as `mfa.policy.rolled_back`.',
  })
  @ApiBody({ type: RollbackDto, examples: { rollback: { value: { version: 3 } } } })
  @ApiOkResponse({ type: ReplacedPolicyDto, description: 'The new policy with its new `version`' })
  async rollback(@Body() body: RollbackDto, @CurrentPrincipal() admin: AccessPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.withWarnings(await this.policy.rollback(body.version, { userId: admin.userId }, meta));
  }

  private async withWarnings(policy: MfaPolicy): Promise<MfaPolicy & { warnings?: PolicyWarning[] }> {
    const warnings = await this.policy.warningsFor(policy);
    return warnings.length > 0 ? { ...policy, warnings } : policy;
  }
}

const VERSION = /^(0|[1-9]\d{0,9})$/;

function versionNumber(value: string, field: string): number {
  const n = VERSION.test(value) ? Number(value) : NaN;
  if (!(n <= 2_147_483_647)) throw validationFailed([{ field, message: 'must be a policy version (a non-negative integer)' }]);
  return n;
}

/** RFC 9110 §13.1.1: `*`, or one entity tag; the tag is the version, quoted or not. */
function expectedVersion(header: string | undefined): ExpectedVersion {
  if (header === undefined) return 'any';
  const value = header.trim();
  if (value === '*') return 'any';
  const unquoted = /^"(.*)"$/.exec(value)?.[1] ?? value;
  return versionNumber(unquoted, 'If-Match');
}
