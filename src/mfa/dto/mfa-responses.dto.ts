import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FactorSummaryDto } from '../../auth/dto/auth-responses.dto.js';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';

/** Response shapes of the second-factor routes, as the OpenAPI document describes them (api.md). */

const EXAMPLE_FACTOR_ID = '5e3c7a90-1b2d-4c8e-9f0a-6d5e4c3b2a19';
const EXAMPLE_CHALLENGE_ID = 'c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

export class SmsChallengeDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_CHALLENGE_ID })
  challengeId: string;

  @ApiProperty({ format: 'uuid', example: EXAMPLE_FACTOR_ID })
  factorId: string;

  @ApiProperty({ enum: ['sms'], example: 'sms' })
  type: 'sms';

  @ApiProperty({ description: 'The number the code went to, masked', example: '+44 •••• ••• 456' })
  destination: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:35:00.000Z' })
  expiresAt: string;

  @ApiProperty({ format: 'date-time', description: 'When POST …/resend is accepted', example: '2026-12-02T09:30:30.000Z' })
  resendAvailableAt: string;

  @ApiProperty({ example: 5 })
  attemptsRemaining: number;
}

export class WebauthnChallengeDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_CHALLENGE_ID })
  challengeId: string;

  @ApiProperty({ format: 'uuid', example: EXAMPLE_FACTOR_ID })
  factorId: string;

  @ApiProperty({ enum: ['webauthn'], example: 'webauthn' })
  type: 'webauthn';

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:35:00.000Z' })
  expiresAt: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialRequestOptionsJSON, for navigator.credentials.get()',
    example: { challenge: 'q3Zx9w', rpId: 'localhost', allowCredentials: [{ id: 'AbC1', type: 'public-key' }], userVerification: 'preferred', timeout: 300000 },
  })
  options: Record<string, unknown>;
}

export class FactorViewDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_FACTOR_ID })
  id: string;

  @ApiProperty({ enum: FACTOR_TYPES, example: 'sms' })
  type: string;

  @ApiProperty({ description: 'Masked number, app or key name', example: '+44 •••• ••• 456' })
  label: string;

  @ApiProperty({ enum: ['pending', 'active'], example: 'active' })
  status: 'pending' | 'active';

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:30:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-12-02T09:31:00.000Z' })
  lastUsedAt: string | null;
}

/** A factor that became active; with the enrolment mfaToken the login completes too, and the tokens come along. */
export class ActivatedFactorDto extends FactorViewDto {
  @ApiPropertyOptional({ description: 'Only when activated with the enrolment mfaToken', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIwYjZmIn0.c2ln' })
  accessToken?: string;

  @ApiPropertyOptional({ description: 'Only when activated with the enrolment mfaToken', example: 'rt_Y2FmZWJhYmVjYWZlYmFiZWNhZmViYWJl' })
  refreshToken?: string;

  @ApiPropertyOptional({ enum: ['Bearer'], example: 'Bearer' })
  tokenType?: 'Bearer';

  @ApiPropertyOptional({ example: 900 })
  expiresIn?: number;
}

export class SmsEnrolmentDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_FACTOR_ID })
  factorId: string;

  @ApiProperty({ format: 'uuid', description: 'Activate with this challenge and the code sent', example: EXAMPLE_CHALLENGE_ID })
  challengeId: string;

  @ApiProperty({ example: '+44 •••• ••• 456' })
  destination: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:35:00.000Z' })
  expiresAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:30:30.000Z' })
  resendAvailableAt: string;

  @ApiProperty({ enum: ['pending'], example: 'pending' })
  status: 'pending';
}

export class TotpEnrolmentDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_FACTOR_ID })
  factorId: string;

  @ApiProperty({ example: 'Authenticator app' })
  label: string;

  @ApiProperty({ description: 'Base32, shown once', example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/Sesame:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Sesame&algorithm=SHA1&digits=6&period=30' })
  otpauthUri: string;

  @ApiProperty({ description: 'The otpauth URI as a QR code', example: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 33 33">…</svg>' })
  qrSvg: string;

  @ApiProperty({ enum: ['pending'], example: 'pending' })
  status: 'pending';
}

export class WebauthnRegistrationOptionsDto {
  @ApiProperty({ example: 'q3Zx9w' })
  challenge: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { id: 'localhost', name: 'Sesame' } })
  rp: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { id: 'MGI2ZjJjMWU', name: 'ada@example.com', displayName: 'ada@example.com' } })
  user: Record<string, unknown>;

  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, example: [{ alg: -7, type: 'public-key' }] })
  pubKeyCredParams: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ example: 300000 })
  timeout?: number;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, example: [] })
  excludeCredentials?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { residentKey: 'preferred', userVerification: 'preferred' } })
  authenticatorSelection?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'none' })
  attestation?: string;

  @ApiPropertyOptional({ type: [String], description: 'WebAuthn L3 hints, e.g. security-key, client-device', example: [] })
  hints?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { credProps: true } })
  extensions?: Record<string, unknown>;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], minItems: 10, maxItems: 10, description: 'Each works once; shown only now', example: ['k7m2-9qxp', 'a4t8-3fzr', 'p2n6-7wcd', 'h9v3-5jly', 'e8b4-2sqm', 'r5c7-6ugk', 'w3x9-4dnb', 'f6j2-8ptv', 'y4q7-1hmz', 'u2d5-9rkc'] })
  codes: string[];
}

export class SmsChallengeStatusDto extends SmsChallengeDto {
  @ApiProperty({
    enum: ['queued', 'sent', 'delivered', 'failed', 'failing_over'],
    description: "The latest code's delivery: failing_over while a replacement goes out through another provider",
    example: 'sent',
  })
  delivery: 'queued' | 'sent' | 'delivered' | 'failed' | 'failing_over';

  @ApiPropertyOptional({ type: [FactorSummaryDto], description: "Only when delivery failed: the user's other factors, usable with the same mfaToken" })
  alternatives?: FactorSummaryDto[];
}

export class TrustedDeviceDto {
  @ApiProperty({ format: 'uuid', example: '7c9e6679-7425-40de-944b-e07fc1f90ae7' })
  id: string;

  @ApiProperty({ description: 'The user agent that asked to be remembered', example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15' })
  label: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T13:40:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-09T13:40:00.000Z' })
  expiresAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-03T08:15:00.000Z' })
  lastUsedAt: string | null;
}
