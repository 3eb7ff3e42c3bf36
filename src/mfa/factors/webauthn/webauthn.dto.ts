import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

export class RegisterWebauthnDto {
  @ApiProperty({
    description: 'The registration response in the JSON form of PublicKeyCredential.toJSON() (WebAuthn L3) or SimpleWebAuthn',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  credential: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Work laptop', maxLength: 64, description: "Defaults to 'Passkey' for a synced credential, else 'Security key'" })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point of this pattern
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'must not contain control characters' })
  label?: string;
}
