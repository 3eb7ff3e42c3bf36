import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';

/** Response shapes of the dry run and the effective policy, as the OpenAPI document describes them. */

const EXAMPLE_USER_ID = '0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87';
const STATUSES = ['authenticated', 'mfa_required', 'mfa_enrollment_required'];

export class LoginOutcomeCountsDto {
  @ApiProperty({ example: 812 })
  authenticated: number;

  @ApiProperty({ example: 171 })
  mfa_required: number;

  @ApiProperty({ example: 17 })
  mfa_enrollment_required: number;
}

export class DryRunRuleDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Position in `rules`; null for the default rule', example: 0 })
  index: number | null;

  @ApiProperty({ example: 'admins' })
  name: string;

  @ApiProperty({ description: 'Users this rule is the first match for', example: 20 })
  matched: number;

  @ApiProperty({ type: LoginOutcomeCountsDto, description: "What these users' next logins answer" })
  outcomes: LoginOutcomeCountsDto;
}

export class AffectedUsersDto {
  @ApiProperty({ example: 17 })
  count: number;

  @ApiProperty({ description: 'Of `count`, those the policy in force does not affect this way today', example: 12 })
  newly: number;

  @ApiProperty({ type: [String], format: 'uuid', description: 'Up to 10, in id order', example: [EXAMPLE_USER_ID] })
  sampleUserIds: string[];
}

export class DryRunReportDto {
  @ApiProperty({ description: 'The version in force the candidate is compared with', example: 7 })
  comparedWithVersion: number;

  @ApiProperty({ example: 1000 })
  users: number;

  @ApiProperty({ type: [DryRunRuleDto], description: 'Every rule in order, then the default rule' })
  rules: DryRunRuleDto[];

  @ApiProperty({ type: LoginOutcomeCountsDto, description: 'What the next login of every user answers' })
  outcomes: LoginOutcomeCountsDto;

  @ApiProperty({ type: AffectedUsersDto, description: 'Next login is `mfa_enrollment_required`' })
  forcedToEnrol: AffectedUsersDto;

  @ApiProperty({ type: AffectedUsersDto, description: 'MFA is required of them, but their next login is let in within an enrolment grace period' })
  inEnrollmentGrace: AffectedUsersDto;

  @ApiProperty({
    type: AffectedUsersDto,
    description: 'Only factors the rule no longer allows are left: the login still asks for them (FACTOR_NO_LONGER_ALLOWED) until an allowed one is enrolled',
  })
  lockedOut: AffectedUsersDto;

  @ApiProperty({ type: AffectedUsersDto, description: 'Fewer factors than the rule’s minFactors (MORE_FACTORS_REQUIRED)' })
  moreFactorsRequired: AffectedUsersDto;

  @ApiProperty({ type: AffectedUsersDto, description: 'The step-up window of their rule is shorter than today' })
  shorterStepUp: AffectedUsersDto;
}

export class MatchedRuleDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Position in `rules`; null for the default rule', example: 0 })
  index: number | null;

  @ApiProperty({ example: 'admins' })
  name: string;
}

export class NextLoginDto {
  @ApiProperty({ enum: STATUSES, example: 'mfa_required' })
  status: string;

  @ApiPropertyOptional({ enum: FACTOR_TYPES, isArray: true, description: 'With mfa_required: the factor types offered', example: ['sms'] })
  factorTypes?: string[];

  @ApiPropertyOptional({ enum: FACTOR_TYPES, isArray: true, description: 'With enrolment or a notice: the factor types to enrol', example: ['webauthn', 'totp'] })
  allowedFactors?: string[];

  @ApiPropertyOptional({ enum: ['FACTOR_NO_LONGER_ALLOWED', 'MORE_FACTORS_REQUIRED'], example: 'FACTOR_NO_LONGER_ALLOWED' })
  notice?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'In an enrolment grace period counted in days: when it ends', example: '2026-12-09T13:40:00.000Z' })
  mfaEnrollmentDueAt?: string;

  @ApiPropertyOptional({ description: 'In an enrolment grace period counted in logins: logins left after the next one', example: 2 })
  mfaEnrollmentLoginsRemaining?: number;
}

export class EffectivePolicyDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_USER_ID })
  userId: string;

  @ApiProperty({ example: 7 })
  policyVersion: number;

  @ApiProperty({ type: MatchedRuleDto, description: 'The first rule that matches the user, or the default rule' })
  rule: MatchedRuleDto;

  @ApiProperty({ enum: ['off', 'optional', 'required'], example: 'required' })
  mode: string;

  @ApiProperty({ description: 'Whether the rule requires a second factor of this user', example: true })
  mfaRequired: boolean;

  @ApiProperty({ enum: FACTOR_TYPES, isArray: true, example: ['webauthn', 'totp'] })
  allowedFactors: string[];

  @ApiProperty({ example: 1 })
  minFactors: number;

  @ApiProperty({ example: 300 })
  stepUpMaxAgeSeconds: number;

  @ApiProperty({ type: NextLoginDto, description: 'What the next password login answers' })
  nextLogin: NextLoginDto;
}
