import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { decodeProtectedHeader } from 'jose';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { registerAndLogin, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A downstream NestJS service that checks Sesame's access tokens the way the
 * NestJS documentation teaches: passport-jwt, keys from Sesame's JWKS over
 * HTTP through jwks-rsa. The strategy is the README's snippet ("Verifying
 * Sesame tokens in your service") with the JWKS address of the test instance.
 */
function resourceServerModule(sesameUrl: string) {
  @Injectable()
  class SesameJwtStrategy extends PassportStrategy(Strategy, 'sesame') {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: passportJwtSecret({
          jwksUri: `${sesameUrl}/.well-known/jwks.json`,
          cache: true,
          rateLimit: true,
        }),
        issuer: 'sesame',
        audience: 'sesame',
        algorithms: ['ES256'],
      });
    }

    validate(payload: { sub: string; roles: string[]; aal: string }) {
      return { userId: payload.sub, roles: payload.roles, aal: payload.aal };
    }
  }

  @Controller('orders')
  class OrdersController {
    @Get()
    @UseGuards(AuthGuard('sesame'))
    list(@Req() req: { user: unknown }) {
      return { user: req.user, orders: [] };
    }
  }

  @Module({ controllers: [OrdersController], providers: [SesameJwtStrategy] })
  class ResourceServerModule {}
  return ResourceServerModule;
}

describe('a passport-jwt + jwks-rsa resource server', () => {
  let sesame: TestApp;
  let resourceServer: INestApplication;
  let resourceUrl: string;
  let login: any;
  beforeAll(async () => {
    sesame = await startTestApp();
    resourceServer = await NestFactory.create(resourceServerModule(sesame.url), { logger: false });
    await resourceServer.listen(0, '127.0.0.1');
    resourceUrl = (await resourceServer.getUrl()).replace('[::1]', '127.0.0.1');
    login = await registerAndLogin(sesame, 'downstream@example.com');
  });
  afterAll(async () => {
    await resourceServer.close();
    await sesame.close();
  });

  const orders = (token: string) => fetch(`${resourceUrl}/orders`, { headers: { authorization: `Bearer ${token}` } });

  it('accepts an access token, with keys fetched from Sesame over HTTP', async () => {
    expect(decodeProtectedHeader(login.accessToken).alg).toBe('ES256');
    const res = await orders(login.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: { userId: login.userId, roles: [], aal: 'aal1' }, orders: [] });
  });

  it('refuses a tampered token', async () => {
    const [header, payload, signature] = login.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
    expect((await orders(`${header}.${elevated}.${signature}`)).status).toBe(401);
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    expect((await orders(`${header}.${payload}.${flipped}`)).status).toBe(401);
  });

  it('refuses an mfaToken', async () => {
    const stepUp = await sesame.post('/auth/step-up', undefined, login.accessToken);
    expect(stepUp.status).toBe(200);
    // Signed by the same key, so only the pinned audience tells it apart.
    expect(decodeProtectedHeader(stepUp.body.mfaToken).kid).toBe(decodeProtectedHeader(login.accessToken).kid);
    expect((await orders(stepUp.body.mfaToken)).status).toBe(401);
  });
});
