import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommonException } from '../common/errors/problem.exception.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { UuidParam } from '../common/http/uuid-param.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import type { SmsPrefixBlock } from '../sms/sms-prefix-block.entity.js';
import { SmsConversionService } from '../sms/sms-conversion.service.js';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { SmsPrefixBlockDto, SmsPrefixBlockListDto } from './dto/admin-responses.dto.js';

/** Number prefixes blocked for SMS pumping: review them, and lift a block (a change: it needs a recent second factor). */
const noSuchBlock = () => new CommonException('NOT_FOUND', { detail: 'No block in force with this id.' });

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/sms/prefix-blocks')
export class SmsPrefixBlocksController {
  constructor(private readonly conversion: SmsConversionService) {}

  @Get()
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'Number prefixes blocked because their codes were sent but not verified' })
  @ApiOkResponse({ type: SmsPrefixBlockListDto })
  async list(): Promise<{ items: ReturnType<typeof view>[] }> {
    return { items: (await this.conversion.list()).map(view) };
  }

  @Post(':id/lift')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a block after review (audited); the prefix is not blocked again automatically for an hour' })
  @ApiOkResponse({ type: SmsPrefixBlockDto })
  @ApiProblems('NOT_FOUND')
  async lift(@UuidParam('id', noSuchBlock) id: string, @CurrentPrincipal() admin: AccessPrincipal, @ReqMeta() meta: RequestMeta) {
    const lifted = await this.conversion.lift(id, admin.userId, meta);
    if (!lifted) throw noSuchBlock();
    return view(lifted);
  }
}

function view(block: SmsPrefixBlock) {
  return { ...block, blockedAt: block.blockedAt.toISOString(), liftedAt: block.liftedAt?.toISOString() ?? null };
}
