import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwksDto } from './dto/auth-responses.dto.js';
import { Public } from '../vocabulary/access.decorators.js';
import { TokenService } from '../tokens/token.service.js';

/** Public keys, so other services verify access tokens without sharing a secret (RFC 7517). */
@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys for verifying access tokens (RFC 7517 JWK Set)' })
  @ApiOkResponse({ type: JwksDto, description: 'The JWK Set; cacheable for 5 minutes' })
  jwks() {
    return this.tokens.jwks();
  }
}
