import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { factorLabel } from '../../../common/validation/fields.js';

export class EnrolTotpDto extends createZodDto(
  z.strictObject({
    label: factorLabel.optional().meta({ example: 'Phone', description: 'What to call the app; "Authenticator app" when omitted' }),
  }),
) {}
