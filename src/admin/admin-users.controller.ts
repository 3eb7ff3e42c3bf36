import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { CommonException } from '../common/errors/problem.exception.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { UuidParam } from '../common/http/uuid-param.js';
import { MfaException } from '../mfa/mfa.exception.js';
import { AdminUsersService } from './admin-users.service.js';
import { UserDetailsDto, UserGroupsResponseDto, UserPageDto } from './dto/admin-responses.dto.js';
import { UserGroupsDto, UserSearchDto } from './dto/admin-users.dto.js';

const noSuchUser = () => new CommonException('NOT_FOUND', { detail: 'No such user.' });
const noSuchFactor = () => new MfaException('NOT_FOUND', { detail: 'No such factor.' });
const noSuchDevice = () => new MfaException('NOT_FOUND', { detail: 'No such device.' });

/** Helping users: reading needs an aal2 admin; every change also needs a recent second factor. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly admin: AdminUsersService) {}

  @Get()
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'Search users by email' })
  @ApiOkResponse({ type: UserPageDto, description: 'Newest first; follow `nextCursor` for more' })
  search(@Query() query: UserSearchDto) {
    return this.admin.search(query);
  }

  @Get(':id')
  @Authenticated({ aal: 2, roles: ['admin'] })
  @ApiOperation({ summary: 'A user with factors (masked), lock state and sessions' })
  @ApiOkResponse({ type: UserDetailsDto, description: 'The user' })
  details(@UuidParam('id', noSuchUser) id: string) {
    return this.admin.details(id);
  }

  @Put(':id/groups')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(200)
  @ApiOperation({
    summary: "Replace a user's groups",
    description: 'MFA policy rules can match on groups; the change applies from the next request of the user (audited).',
  })
  @ApiOkResponse({ type: UserGroupsResponseDto, description: 'The user and their groups now' })
  setGroups(@UuidParam('id', noSuchUser) id: string, @Body() body: UserGroupsDto, @CurrentPrincipal() admin: AccessPrincipal, @ReqMeta() meta: RequestMeta) {
    return this.admin.setGroups(id, body.groups, admin.userId, meta);
  }

  @Delete(':id/devices/:deviceId')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(204)
  @ApiOperation({ summary: 'Forget one remembered device of a user' })
  @ApiNoContentResponse({ description: 'Revoked (audited)' })
  async revokeDevice(
    @UuidParam('id', noSuchUser) id: string,
    @UuidParam('deviceId', noSuchDevice) deviceId: string,
    @CurrentPrincipal() admin: AccessPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.admin.revokeDevice(id, deviceId, admin.userId, meta);
  }

  @Post(':id/mfa/reset')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(204)
  @ApiOperation({ summary: "Remove every factor, revoke every session, notify the user" })
  @ApiNoContentResponse({ description: 'Factors removed, sessions revoked, the user notified (audited)' })
  async reset(@UuidParam('id', noSuchUser) id: string, @CurrentPrincipal() admin: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.admin.resetMfa(id, admin.userId, meta);
  }

  @Delete(':id/mfa/factors/:factorId')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one factor of a user' })
  @ApiNoContentResponse({ description: 'Removed (audited)' })
  async removeFactor(
    @UuidParam('id', noSuchUser) id: string,
    @UuidParam('factorId', noSuchFactor) factorId: string,
    @CurrentPrincipal() admin: AccessPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.admin.removeFactor(id, factorId, admin.userId, meta);
  }

  @Post(':id/unlock')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(204)
  @ApiOperation({ summary: 'Clear the account-level second-factor lock' })
  @ApiNoContentResponse({ description: 'Unlocked (audited)' })
  async unlock(@UuidParam('id', noSuchUser) id: string, @CurrentPrincipal() admin: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.admin.unlock(id, admin.userId, meta);
  }

  @Post(':id/sessions/revoke')
  @Authenticated({ aal: 2, roles: ['admin'], stepUp: true })
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign the user out everywhere' })
  @ApiNoContentResponse({ description: 'Every session revoked (audited)' })
  async revokeSessions(@UuidParam('id', noSuchUser) id: string, @CurrentPrincipal() admin: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.admin.revokeSessions(id, admin.userId, meta);
  }
}
