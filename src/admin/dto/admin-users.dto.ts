import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { queryInt, text } from '../../common/validation/fields.js';

export class UserSearchDto extends createZodDto(
  z.strictObject({
    email: text(254).optional().meta({ description: 'Part of the email address (case-insensitive)' }),
    cursor: text(200).optional(),
    limit: queryInt(1, 100).optional().meta({ default: 20 }),
  }),
) {}
