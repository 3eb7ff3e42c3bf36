import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';

/** Response shapes of the auth routes, as the OpenAPI document describes them (api.md: Authentication). */

const AMR = ['pwd', 'sms', 'otp', 'hwk', 'swk', 'mfa'];
const ENROLLABLE = FACTOR_TYPES.filter((t) => t !== 'recovery_code');

export class RegisteredUserDto {
  @ApiProperty({ format: 'uuid', example: '0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;
}

export class TokensResponseDto {
  @ApiProperty({ enum: ['authenticated'], example: 'authenticated' })
  status: 'authenticated';

  @ApiProperty({ description: 'Access token (JWT, `typ: at+jwt`); carries `aal` and `amr`', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIwYjZmIn0.c2ln' })
  accessToken: string;

  @ApiProperty({ description: 'Opaque, single use: POST /auth/refresh rotates it', example: 'rt_Y2FmZWJhYmVjYWZlYmFiZWNhZmViYWJl' })
  refreshToken: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn: number;
}

export class LoginTokensResponseDto extends TokensResponseDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'MFA is required of this user, who may sign in without it until this moment (enrolment grace period in days): enrol a factor before then',
    example: '2026-12-09T13:40:00.000Z',
  })
  mfaEnrollmentDueAt?: string;

  @ApiPropertyOptional({ description: 'Enrolment grace period in logins: how many more logins without a factor are allowed', example: 2 })
  mfaEnrollmentLoginsRemaining?: number;
}

export class FactorSummaryDto {
  @ApiProperty({ format: 'uuid', example: '5e3c7a90-1b2d-4c8e-9f0a-6d5e4c3b2a19' })
  id: string;

  @ApiProperty({ enum: FACTOR_TYPES, example: 'sms' })
  type: string;

  @ApiProperty({ description: 'Masked: never the secret or the full number', example: '+44 •••• ••• 456' })
  label: string;
}

export class MfaRequiredResponseDto {
  @ApiProperty({ enum: ['mfa_required'], example: 'mfa_required' })
  status: 'mfa_required';

  @ApiProperty({ description: 'Single use, for /auth/mfa/* only (bearer `mfaToken`)', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6Im1mYStqd3QifQ.eyJzdWIiOiIwYjZmIn0.c2ln' })
  mfaToken: string;

  @ApiProperty({ description: 'Seconds until the mfaToken expires', example: 300 })
  expiresIn: number;

  @ApiProperty({ type: [FactorSummaryDto], description: 'The factors the user may complete' })
  factors: FactorSummaryDto[];

  @ApiPropertyOptional({
    enum: ['FACTOR_NO_LONGER_ALLOWED', 'MORE_FACTORS_REQUIRED'],
    description:
      'FACTOR_NO_LONGER_ALLOWED: only the factors the policy no longer allows are left, enrol an allowed one. ' +
      "MORE_FACTORS_REQUIRED: the user's policy rule asks for more factors (minFactors) than they hold, enrol another",
    example: 'FACTOR_NO_LONGER_ALLOWED',
  })
  notice?: 'FACTOR_NO_LONGER_ALLOWED' | 'MORE_FACTORS_REQUIRED';

  @ApiPropertyOptional({ enum: ENROLLABLE, isArray: true, description: 'With `notice`: the factor types to enrol', example: ['sms', 'totp', 'webauthn'] })
  allowedFactors?: string[];
}

export class MfaEnrollmentRequiredResponseDto {
  @ApiProperty({ enum: ['mfa_enrollment_required'], example: 'mfa_enrollment_required' })
  status: 'mfa_enrollment_required';

  @ApiProperty({ description: 'Single use; works on the enrolment routes (/me/mfa/factors/…) for a first factor', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6Im1mYStqd3QifQ.eyJzdWIiOiIwYjZmIn0.c2ln' })
  mfaToken: string;

  @ApiProperty({ description: 'Seconds until the mfaToken expires', example: 300 })
  expiresIn: number;

  @ApiProperty({ enum: ENROLLABLE, isArray: true, example: ['sms', 'totp', 'webauthn'] })
  allowedFactors: string[];
}

export class StepUpResponseDto {
  @ApiProperty({ description: 'An mfaToken bound to this session; verifying a factor with it upgrades the session', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6Im1mYStqd3QifQ.eyJzdWIiOiIwYjZmIn0.c2ln' })
  mfaToken: string;

  @ApiProperty({ example: 300 })
  expiresIn: number;

  @ApiProperty({ type: [FactorSummaryDto] })
  factors: FactorSummaryDto[];
}

export class MeResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ type: [String], enum: ['admin'], example: [] })
  roles: string[];

  @ApiProperty({ enum: ['aal1', 'aal2'], example: 'aal2' })
  aal: 'aal1' | 'aal2';

  @ApiProperty({ enum: AMR, isArray: true, description: 'RFC 8176 authentication methods', example: ['pwd', 'sms'] })
  amr: string[];

  @ApiProperty({ format: 'date-time', description: 'When the session last proved a factor', example: '2026-12-02T09:30:00.000Z' })
  authTime: string;
}

export class JwkDto {
  @ApiProperty({ enum: ['EC', 'OKP'], example: 'EC' })
  kty: string;

  @ApiProperty({ enum: ['P-256', 'Ed25519'], example: 'P-256' })
  crv: string;

  @ApiProperty({ example: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU' })
  x: string;

  @ApiPropertyOptional({ description: 'P-256 keys only', example: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' })
  y?: string;

  @ApiProperty({ description: 'Matches the `kid` header of the tokens it signed', example: 'NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg' })
  kid: string;

  @ApiProperty({ enum: ['ES256', 'EdDSA'], example: 'ES256' })
  alg: string;

  @ApiProperty({ enum: ['sig'], example: 'sig' })
  use: string;
}

export class JwksDto {
  @ApiProperty({ type: [JwkDto], description: 'The signing key, then earlier keys still accepted (rotation by `kid`)' })
  keys: JwkDto[];
}
