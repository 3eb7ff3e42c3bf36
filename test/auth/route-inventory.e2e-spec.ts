import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { routeInventory } from '../support/route-inventory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('route inventory (deny by default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the routes of the contract', () => {
    const routes = routeInventory(t.app).map((r) => `${r.method} ${r.path}`);
    expect(routes).toEqual(expect.arrayContaining(['POST /auth/login', 'GET /auth/me', 'GET /.well-known/jwks.json', 'GET /health/ready']));
  });

  it('every route states what it needs: public, an access token, or an mfaToken', () => {
    const silent = routeInventory(t.app)
      .filter((r) => !r.requirement)
      .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`);
    expect(silent).toEqual([]);
  });

  it('the inventory does notice a route that states nothing', async () => {
    @Controller('forgotten')
    class ForgottenController {
      @Get()
      open() {
        return 'anyone';
      }
    }
    @Module({ controllers: [ForgottenController] })
    class ForgottenModule {}
    const app = await NestFactory.create(ForgottenModule, { logger: false, abortOnError: false });
    await app.init();
    const silent = routeInventory(app).filter((r) => !r.requirement);
    await app.close();
    expect(silent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /forgotten']);
  });

  it('the global guard refuses such a route at run time', async () => {
    // A handler with no statement reaches the guard: it must refuse before looking at any token.
    const { AuthGuard } = await import('../../src/auth/guards/auth.guard.js');
    const { Reflector } = await import('@nestjs/core');
    const unused = null as never;
    const guard = new AuthGuard(new Reflector(), unused, unused, unused);
    class Bare {
      handler() {}
    }
    const context = {
      getHandler: () => Bare.prototype.handler,
      getClass: () => Bare,
      switchToHttp: () => ({ getRequest: () => ({ headers: {} }) }),
    };
    await expect(guard.canActivate(context as never)).rejects.toMatchObject({ problem: { code: 'FORBIDDEN' } });
  });
});
