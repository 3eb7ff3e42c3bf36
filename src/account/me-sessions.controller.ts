import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { SessionViewDto } from './dto/account.dto.js';
import { MeSessionsService } from './me-sessions.service.js';

@ApiTags('me')
@ApiBearerAuth()
@Controller('me/sessions')
export class MeSessionsController {
  constructor(private readonly sessions: MeSessionsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'List my signed-in sessions' })
  @ApiOkResponse({ type: [SessionViewDto], description: 'Every live session, newest first; `current` marks this one' })
  list(@CurrentPrincipal() principal: AccessPrincipal) {
    return this.sessions.list(principal);
  }

  @Post('revoke-others')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out everywhere else' })
  @ApiNoContentResponse({ description: 'Every other session (and its refresh tokens) has ended' })
  async revokeOthers(@CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.sessions.revokeOthers(principal, meta);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of my sessions' })
  @ApiNoContentResponse({ description: 'The session and its refresh tokens have ended' })
  @ApiProblems('NOT_FOUND')
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.sessions.revoke(principal, id, meta);
  }
}
