import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../vocabulary/access.decorators.js';
import { MfaStatsDto } from './dto/admin-responses.dto.js';
import { TimeRangeQueryDto } from './dto/audit-query.dto.js';
import { MfaStatsService, type MfaStats } from './mfa-stats.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/mfa')
export class MfaStatsController {
  constructor(private readonly stats: MfaStatsService) {}

  @Get('stats')
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({
    summary:
      'SMS codes sent, delivered and failed; verifications, failed attempts and lockouts — in total, by UTC day and by country',
  })
  @ApiOkResponse({ type: MfaStatsDto, description: 'Counts for the window' })
  get(@Query() query: TimeRangeQueryDto): Promise<MfaStats> {
    return this.stats.compute(query);
  }
}
