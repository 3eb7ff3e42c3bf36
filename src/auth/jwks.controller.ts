import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from './guards/access.decorators.js';
import { TokenService } from './tokens/token.service.js';

/** Public keys, so other services verify access tokens without sharing a secret (RFC 7517). */
@ApiExcludeController()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.tokens.jwks();
  }
}
