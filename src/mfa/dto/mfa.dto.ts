import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { factorLabel, text } from '../../common/validation/fields.js';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';

export class StartChallengeDto extends createZodDto(
  z.strictObject({ factorId: text(64).meta({ description: 'One of the factors listed in the mfa_required response' }) }),
) {}

/** One body for every factor (api.md: verify bodies); each factor checks the fields it needs. */
export class VerifyDto extends createZodDto(
  z.strictObject({
    type: z.enum(FACTOR_TYPES).optional().meta({ description: '`recovery_code` for a recovery code' }),
    challengeId: text(64).optional().meta({ description: 'SMS and WebAuthn: the challenge' }),
    factorId: text(64).optional().meta({ description: 'TOTP: the factor' }),
    code: text(64).optional().meta({ description: 'SMS, TOTP or recovery code' }),
    credential: z.record(z.string(), z.unknown()).optional().meta({ description: 'WebAuthn: the authentication response (JSON form)' }),
    rememberDevice: z.boolean().optional().meta({
      description:
        'Login only: trust this device. When the user’s policy rule remembers devices (rememberDeviceMaxAgeSeconds > 0) the response carries a `deviceToken` for POST /auth/login',
      example: true,
    }),
  }),
) {}

export class EnrolSmsDto extends createZodDto(
  z.strictObject({ phone: text(32).meta({ example: '+447400123456', description: 'A mobile number in international (E.164) format' }) }),
) {}

export class ActivateFactorDto extends createZodDto(
  z.strictObject({
    challengeId: text(64).optional().meta({ description: 'SMS: the enrolment challenge' }),
    code: text(64),
  }),
) {}

export class RenameFactorDto extends createZodDto(z.strictObject({ label: factorLabel.meta({ example: 'Work laptop' }) })) {}
