import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { MfaPolicyDto, ReplacedPolicyDto } from './dto/policy.dto.js';
import { DEFAULT_MFA_POLICY, type MfaPolicy } from './mfa-policy.js';
import { PolicyService, type PolicyWarning } from './policy.service.js';

/** The example of api.md, shown in the OpenAPI document. */
const POLICY_EXAMPLE = { ...DEFAULT_MFA_POLICY, version: 3 };
/** Admins must use WebAuthn or TOTP and step up every five minutes; everyone else is optional. */
export const RULES_EXAMPLE = {
  ...POLICY_EXAMPLE,
  requiredRoles: [],
  rules: [{ name: 'admins', match: { roles: ['admin'] }, mode: 'required', allowedFactors: ['webauthn', 'totp'], stepUpMaxAgeSeconds: 300 }],
};

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
  @ApiBody({ type: MfaPolicyDto, examples: { policy: { value: POLICY_EXAMPLE }, rules: { summary: 'Admins need WebAuthn or TOTP', value: RULES_EXAMPLE } } })
  @ApiOkResponse({ type: ReplacedPolicyDto, description: 'The new policy with its new `version`' })
  async replace(
    // Validated by validatePolicyDocument, not a DTO class: the rules span fields and
    // the error paths must read `sms.ttlSeconds` / `allowedFactors[2]`.
    @Body() body: unknown,
    @CurrentPrincipal() admin: AccessPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MfaPolicy & { warnings?: PolicyWarning[] }> {
    const policy = await this.policy.replace(body, { userId: admin.userId }, meta);
    const warnings = await this.policy.warningsFor(policy);
    return warnings.length > 0 ? { ...policy, warnings } : policy;
  }
}
