import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class EnrolTotpDto {
  @ApiPropertyOptional({
    example: 'Phone',
    maxLength: 64,
    description: 'What to call the app; "Authenticator app" when omitted',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(/^\P{Cc}+$/u, { message: 'must not contain control characters' })
  label?: string;
}
