import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../../common/validation/fields.js';
import { emailAddress } from '../../users/email-address.js';

export class RegisterDto extends createZodDto(
  z.strictObject({
    email: z.string().trim().max(254).pipe(emailAddress).meta({ example: 'ada@example.com' }),
    password: z.string().min(1).max(512).meta({ description: '8 to 128 characters are accepted as a password' }),
    phone: text(32).optional().meta({ example: '+447700900123', description: 'E.164; enrolled as an SMS factor after verification' }),
  }),
) {}

export class LoginDto extends createZodDto(
  z.strictObject({
    email: z.string().trim().max(254).meta({ example: 'ada@example.com' }),
    password: text(512),
    deviceToken: text(100).optional().meta({
      description: 'From a verify with `rememberDevice: true`: stands in for the second factor while the device is trusted',
      example: 'dt_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    }),
  }),
) {}

export class RefreshDto extends createZodDto(z.strictObject({ refreshToken: text(128) })) {}
