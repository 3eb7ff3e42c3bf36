import { METHODS } from 'node:http';
import type { Request } from 'express';
import { CommonException, type Problem } from '../errors/problem.exception.js';

/** The 401 codes that are about the bearer token itself (RFC 6750 §3.1 `invalid_token`), not about a password or a code. */
const TOKEN_PROBLEMS = new Set(['UNAUTHENTICATED', 'MFA_TOKEN_INVALID']);

/**
 * RFC 9110 §15.5.2 and RFC 6750 §3: a 401 names its scheme. `Bearer` alone
 * when no token was sent (or the token was not the problem: a wrong password
 * or code), `error="invalid_token"` when the token sent was refused.
 */
export function wwwAuthenticateFor(problem: Problem, req: Request): string | null {
  if (problem.status !== 401) return null;
  if (TOKEN_PROBLEMS.has(problem.code) && req.headers.authorization !== undefined) return 'Bearer error="invalid_token"';
  return 'Bearer';
}

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  matchers?: Array<(path: string) => unknown>;
}

/**
 * The application's routes (Express layers), read once after they are all
 * registered: only unmatched requests get here. Routes for every method are
 * middleware mounted with `all()` (Nest's `forRoutes('*')`), which say
 * nothing about what a path serves.
 */
const routesByApp = new WeakMap<object, RouteLayer[]>();

function routesOf(req: Request): RouteLayer[] {
  const app = req.app as unknown as { router?: { stack?: RouteLayer[] } };
  let routes = routesByApp.get(app);
  if (!routes) {
    routes = (app.router?.stack ?? []).filter(
      (layer) => layer.route && layer.matchers && !METHODS.every((method) => layer.route!.methods[method.toLowerCase()]),
    );
    routesByApp.set(app, routes);
  }
  return routes;
}

/**
 * A request no route matched whose path is served for other methods: 405
 * with `Allow` (RFC 9110 §15.5.6), instead of 404. Called only for requests
 * that matched no route, so a matched route does none of this work. The
 * layers' own matchers are pure functions of the path.
 */
export function methodNotAllowed(req: Request): Problem | null {
  const allowed = new Set<string>();
  for (const layer of routesOf(req)) {
    if (!layer.matchers!.some((match) => match(req.path))) continue;
    for (const [method, on] of Object.entries(layer.route!.methods)) if (on && method !== '_all') allowed.add(method.toUpperCase());
  }
  if (allowed.size === 0 || allowed.has(req.method)) return null;
  // Express answers HEAD with the GET route.
  if (allowed.has('GET')) allowed.add('HEAD');
  return new CommonException('METHOD_NOT_ALLOWED', {
    detail: `${req.method} is not served here; use ${[...allowed].join(', ')}.`,
    headers: { Allow: [...allowed].sort().join(', ') },
  }).problem;
}
