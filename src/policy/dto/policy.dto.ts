import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';
import { DEFAULT_MFA_POLICY } from '../mfa-policy.js';

/** The policy document of api.md as the OpenAPI document describes it (validated by validatePolicyDocument, not by these classes). */

const D = DEFAULT_MFA_POLICY;

/** Admins must use WebAuthn or TOTP and step up every five minutes; everyone else is optional. */
export const POLICY_RULES_EXAMPLE = {
  ...D,
  version: 3,
  requiredRoles: [],
  rules: [{ name: 'admins', match: { roles: ['admin'] }, mode: 'required', allowedFactors: ['webauthn', 'totp'], stepUpMaxAgeSeconds: 300 }],
};

export class MfaSmsPolicyDto {
  @ApiProperty({ minimum: 6, maximum: 10, example: D.sms.codeLength })
  codeLength: number;

  @ApiProperty({ maximum: 600, example: D.sms.ttlSeconds })
  ttlSeconds: number;

  @ApiProperty({ example: D.sms.maxAttempts })
  maxAttempts: number;

  @ApiProperty({ example: D.sms.resendCooldownSeconds })
  resendCooldownSeconds: number;

  @ApiProperty({ example: D.sms.maxResends })
  maxResends: number;

  @ApiProperty({ example: D.sms.maxSendsPerHourPerUser })
  maxSendsPerHourPerUser: number;

  @ApiProperty({ type: [String], description: 'ISO 3166-1 alpha-2; empty means every country', example: [] })
  allowedCountries: string[];
}

export class MfaRuleMatchDto {
  @ApiPropertyOptional({ type: [String], enum: ['admin'], example: ['admin'] })
  roles?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Group names (PUT /admin/users/:id/groups)', example: ['finance'] })
  groups?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'At most 1000; use a group for more', example: [] })
  userIds?: string[];
}

export class EnrollmentGraceDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 90, description: 'Days from the first login that asked the user to enrol', example: 7 })
  days?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, description: 'Logins without a factor; with days, whichever ends first', example: 10 })
  logins?: number;
}

export class MfaPolicyRuleDto {
  @ApiProperty({ description: 'Unique in the document; named in the dry run and the effective policy', example: 'admins' })
  name: string;

  @ApiProperty({ type: MfaRuleMatchDto, description: 'The rule applies to a user named by any one of the lists' })
  match: MfaRuleMatchDto;

  @ApiProperty({ enum: ['off', 'optional', 'required'], example: 'required' })
  mode: string;

  @ApiProperty({ enum: FACTOR_TYPES, isArray: true, example: ['webauthn', 'totp'] })
  allowedFactors: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 3, default: 1, description: 'Login factors a user should hold; fewer, and login says MORE_FACTORS_REQUIRED', example: 1 })
  minFactors?: number;

  @ApiProperty({ minimum: 60, maximum: 86_400, example: 300 })
  stepUpMaxAgeSeconds: number;

  @ApiPropertyOptional({
    type: EnrollmentGraceDto,
    description: 'Users this rule requires MFA of who have no factor may still sign in (`authenticated` with `mfaEnrollmentDueAt`) until it ends',
  })
  enrollmentGrace?: EnrollmentGraceDto;
}

export class MfaPolicyDto {
  @ApiProperty({ description: '0 until an admin first changes the policy; ignored in a PUT body', example: 3 })
  version: number;

  @ApiProperty({ enum: ['off', 'optional', 'required'], example: D.mode })
  mode: string;

  @ApiProperty({ type: [String], enum: ['admin'], example: D.requiredRoles })
  requiredRoles: string[];

  @ApiProperty({ enum: FACTOR_TYPES, isArray: true, example: D.allowedFactors })
  allowedFactors: string[];

  @ApiProperty({ type: MfaSmsPolicyDto })
  sms: MfaSmsPolicyDto;

  @ApiProperty({ example: D.stepUpMaxAgeSeconds })
  stepUpMaxAgeSeconds: number;

  @ApiProperty({ example: D.mfaTokenTtlSeconds })
  mfaTokenTtlSeconds: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 3, default: 1, description: 'The default rule: login factors a user should hold', example: 1 })
  minFactors?: number;

  @ApiPropertyOptional({ type: EnrollmentGraceDto, description: 'The default rule: enrolment grace period' })
  enrollmentGrace?: EnrollmentGraceDto;

  @ApiPropertyOptional({
    type: [MfaPolicyRuleDto],
    description:
      'Tried in order; the first that matches the user applies, and the document’s own mode, requiredRoles, allowedFactors, ' +
      'minFactors and stepUpMaxAgeSeconds are the default rule that closes the list. Absent or [] means one rule for everyone. ' +
      'The sms settings and mfaTokenTtlSeconds are global.',
  })
  rules?: MfaPolicyRuleDto[];
}

export class PolicyWarningDto {
  @ApiProperty({ enum: ['FACTOR_NO_LONGER_ALLOWED'], example: 'FACTOR_NO_LONGER_ALLOWED' })
  code: string;

  @ApiProperty({ enum: FACTOR_TYPES, example: 'sms' })
  factorType: string;

  @ApiProperty({ example: 12 })
  affectedUsers: number;

  @ApiProperty({ example: '12 users have only sms factors; they keep working until the user enrols an allowed one.' })
  detail: string;
}

export class ReplacedPolicyDto extends MfaPolicyDto {
  @ApiPropertyOptional({ type: [PolicyWarningDto], description: 'Users left with only factors the policy no longer allows' })
  warnings?: PolicyWarningDto[];
}

const CHANGES_EXAMPLE = { stepUpMaxAgeSeconds: { from: 900, to: 300 }, rules: { from: null, to: [{ name: 'admins', match: { roles: ['admin'] } }] } };

export class PolicyVersionSummaryDto {
  @ApiProperty({ example: 4 })
  version: number;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The admin who made it; null for version 0, the built-in default', example: '0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87' })
  createdBy: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-02T13:40:00.000Z' })
  createdAt: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Set when a rollback made this version: the version it restored', example: null })
  restoredFrom: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Against the previous version: every leaf that differs, by dotted path, `{ from, to }` (a list counts as one leaf)',
    example: CHANGES_EXAMPLE,
  })
  changes: Record<string, { from: unknown; to: unknown }>;
}

export class PolicyVersionPageDto {
  @ApiProperty({ type: [PolicyVersionSummaryDto], description: 'Newest first; the last page ends with version 0' })
  items: PolicyVersionSummaryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for older versions; null on the last page', example: '4' })
  nextCursor: string | null;
}

export class PolicyVersionDto extends PolicyVersionSummaryDto {
  @ApiProperty({ type: Number, nullable: true, description: 'What `changes` is measured against; null for version 0', example: 3 })
  previousVersion: number | null;

  @ApiProperty({ type: MfaPolicyDto, description: 'The whole document of this version' })
  policy: MfaPolicyDto;
}

export class PolicyVersionsQueryDto {
  @ApiPropertyOptional({ description: '`nextCursor` of the previous page', example: '4' })
  @IsOptional()
  @IsString()
  @MaxLength(12)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class RollbackDto {
  @ApiProperty({ minimum: 0, description: 'The version whose document becomes the new version (0: the built-in default)', example: 3 })
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  version: number;
}
