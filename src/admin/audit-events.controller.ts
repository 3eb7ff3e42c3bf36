import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../vocabulary/access.decorators.js';
import { AuditQueryService, type AuditEventPage } from './audit-query.service.js';
import { AuditEventPageDto } from './dto/admin-responses.dto.js';
import { AuditQueryDto } from './dto/audit-query.dto.js';

/** The audit log, read-only: events are append-only and nothing here changes them. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/audit-events')
export class AuditEventsController {
  constructor(private readonly auditQuery: AuditQueryService) {}

  @Get()
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'Audit events, newest first, filtered by user, type and time; paged with a cursor' })
  @ApiOkResponse({ type: AuditEventPageDto, description: 'One page of events' })
  list(@Query() query: AuditQueryDto): Promise<AuditEventPage> {
    return this.auditQuery.page(query);
  }
}
