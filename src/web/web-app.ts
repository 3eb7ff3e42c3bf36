import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type Request, type Response } from 'express';

/** The built web app (`npm run build` writes it with Vite); `npm start` and the tests serve it from here. */
export const DEFAULT_WEB_DIR = resolve('dist/web');

/**
 * The paths that answer with the app's page; the client routes below them.
 * The console's own pages live under /admin/console, because the rest of
 * /admin is the API's (GET /admin/users must stay JSON).
 */
export const WEB_APP_ROOTS = ['/app', '/admin/console'] as const;

/**
 * The pages' policy: scripts, styles and requests from this origin only, no
 * inline script or style, no plugins, no framing. The QR code is an image
 * with a data: URL. Stricter than the API's helmet default, which Swagger UI
 * at /docs needs.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the web app at /app and /admin (with /admin/console/…) on the API's own origin (so no CORS
 * setup): Vite's content-hashed files under /app/assets with a year-long
 * immutable cache, and the one page, which names the current hashes, with
 * `no-cache` so a deploy is picked up at the next load. Nothing is served when
 * the app has not been built; the API works the same without it.
 */
export function installWebApp(app: NestExpressApplication, dir: string = DEFAULT_WEB_DIR): boolean {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const page = readFileSync(indexFile);
  app.use(
    '/app/assets',
    express.static(join(dir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '365d',
      fallthrough: true,
      setHeaders: (res) => res.setHeader('Content-Security-Policy', WEB_APP_CSP),
    }),
  );
  app.use((req: Request, res: Response, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing /app/assets/… file stays a 404 rather than the page.
    if (!isPagePath(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', WEB_APP_CSP);
    res.type('html').send(page);
  });
  return true;
}

function isPagePath(path: string): boolean {
  if (path.startsWith('/app/assets/')) return false;
  return path === '/admin' || WEB_APP_ROOTS.some((root) => path === root || path.startsWith(`${root}/`));
}
