import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';
import { DEFAULT_MFA_POLICY } from '../mfa-policy.js';

/** The policy document of api.md as the OpenAPI document describes it (validated by validatePolicyDocument, not by these classes). */

const D = DEFAULT_MFA_POLICY;

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
