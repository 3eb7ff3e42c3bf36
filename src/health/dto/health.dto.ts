import { ApiProperty } from '@nestjs/swagger';

/** The @nestjs/terminus health result when every check passed. */
export class HealthResultDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { database: { status: 'up' } } })
  info: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  error: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { database: { status: 'up' } } })
  details: Record<string, unknown>;
}
