import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { AuthService } from './auth.service.js';
import { MeResponseDto, TokensResponseDto } from './dto/auth-responses.dto.js';
import { RefreshDto } from './dto/auth.dto.js';
import { Authenticated, CurrentPrincipal, Public } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @Throttle({ default: { limit: 60, ttl: 60_000 } })
  @ApiOperation({ summary: 'Rotate a refresh token' })
  @ApiOkResponse({ type: TokensResponseDto, description: 'New tokens; the refresh token sent is spent (reusing it revokes the session)' })
  @ApiProblems('REFRESH_TOKEN_INVALID')
  refresh(@Body() body: RefreshDto, @ReqMeta() meta: RequestMeta) {
    return this.auth.refresh(body.refreshToken, meta);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End this session everywhere it is used' })
  @ApiNoContentResponse({ description: 'The session and its refresh token are revoked' })
  async logout(@CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.auth.logout(principal.userId, principal.sessionId, meta);
  }

  @Get('me')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller and the assurance of their session' })
  @ApiOkResponse({ type: MeResponseDto, description: 'The caller' })
  async me(@CurrentPrincipal() principal: AccessPrincipal) {
    return {
      id: principal.userId,
      email: principal.user.email,
      roles: principal.roles,
      aal: principal.aal,
      amr: principal.amr,
      authTime: principal.authTime.toISOString(),
    };
  }
}
