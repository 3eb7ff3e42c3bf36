import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { queryInt, text } from '../../common/validation/fields.js';
import { GROUP_NAME_PATTERN, MAX_GROUPS_PER_USER } from '../../vocabulary/group.js';

export class UserSearchDto extends createZodDto(
  z.strictObject({
    email: text(254).optional().meta({ description: 'Part of the email address (case-insensitive)' }),
    cursor: text(200).optional(),
    limit: queryInt(1, 100).optional().meta({ default: 20 }),
  }),
) {}

/** The whole set of a user's groups (MFA policy rules match on them); it replaces the old set. */
export class UserGroupsDto extends createZodDto(
  z.strictObject({
    groups: z
      .array(z.string().regex(GROUP_NAME_PATTERN, 'must be a group name (a-z, 0-9, . _ -, up to 64)'))
      .max(MAX_GROUPS_PER_USER)
      .refine((groups) => new Set(groups).size === groups.length, 'must not name a group twice')
      .meta({
        description: 'Lower case letters, digits and `. _ -`, up to 64 characters each; `[]` takes the user out of every group',
        example: ['finance', 'contractors'],
      }),
  }),
) {}
