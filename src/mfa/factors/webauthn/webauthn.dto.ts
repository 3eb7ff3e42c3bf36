import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { factorLabel } from '../../../common/validation/fields.js';

export class RegisterWebauthnDto extends createZodDto(
  z.strictObject({
    credential: z.record(z.string(), z.unknown()).meta({
      description: 'The registration response in the JSON form of PublicKeyCredential.toJSON() (WebAuthn L3) or SimpleWebAuthn',
    }),
    label: factorLabel.optional().meta({ example: 'Work laptop', description: "Defaults to 'Passkey' for a synced credential, else 'Security key'" }),
  }),
) {}
