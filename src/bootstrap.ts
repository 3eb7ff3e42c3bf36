import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AppRuntime } from './app-runtime.js';
import { AppModule } from './app.module.js';
import { buildOpenApiDocument } from './common/openapi/openapi-document.js';
import { installBodyParsing } from './common/http/body-parsing.js';
import { clientIp } from './common/http/client-ip.js';
import type { RequestWithMeta } from './common/http/request-meta.js';
import { requestIdFor } from './common/http/request-context.js';
import { StrictValidationPipe } from './common/http/validation.pipe.js';
import { installWebApp } from './web/web-app.js';

/** How Nest builds the application; tests build theirs from a testing module with the same options. */
export const applicationOptions = { bodyParser: false, bufferLogs: true, abortOnError: false } as const;

/** Builds the HTTP application (not yet listening). */
export async function createApp(runtime: AppRuntime): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(runtime), applicationOptions);
  configureApp(app, runtime);
  return app;
}

/** The HTTP wiring around the modules: the same for `npm start` and the tests. */
export function configureApp(app: NestExpressApplication, runtime: AppRuntime): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(helmet());
  app.enableCors({
    origin: runtime.config.http.corsOrigins.length > 0 ? runtime.config.http.corsOrigins : false,
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
  });
  app.use((req: RequestWithMeta, res: Parameters<typeof requestIdFor>[1], next: () => void) => {
    req.meta = {
      ip: clientIp(req, runtime.config.http.trustProxyHops),
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      acceptLanguage: typeof req.headers['accept-language'] === 'string' ? req.headers['accept-language'] : null,
      requestId: requestIdFor(req, res),
    };
    next();
  });
  installWebApp(app, runtime.webDir);
  installBodyParsing(app, runtime.config.http.bodyLimitBytes);
  app.useGlobalPipes(new StrictValidationPipe());

  const document = buildOpenApiDocument(app, { title: `${runtime.config.appName} API` });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
