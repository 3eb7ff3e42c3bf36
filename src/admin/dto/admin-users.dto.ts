import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { GROUP_NAME_PATTERN, MAX_GROUPS_PER_USER } from '../../vocabulary/group.js';

export class UserSearchDto {
  @ApiPropertyOptional({ description: 'Part of the email address (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** The whole set of a user's groups (MFA policy rules match on them); it replaces the old set. */
export class UserGroupsDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_GROUPS_PER_USER,
    description: 'Lower case letters, digits and `. _ -`, up to 64 characters each; `[]` takes the user out of every group',
    example: ['finance', 'contractors'],
  })
  @IsArray()
  @ArrayMaxSize(MAX_GROUPS_PER_USER)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(GROUP_NAME_PATTERN, { each: true, message: 'must be a group name (a-z, 0-9, . _ -, up to 64)' })
  groups: string[];
}
