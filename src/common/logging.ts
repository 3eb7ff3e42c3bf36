import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { requestIdFor } from './http/request-context.js';
import { demoteStartupChatter } from './startup-log-level.js';

/**
 * Structured JSON logs with the request id on every line. Request bodies are
 * never logged; headers that carry credentials and any field that could hold
 * a secret are redacted (security.md: no code, password or token in a log).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.code',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.mfaToken',
  '*.secret',
  '*.phone',
  '*.text',
];

export function loggerOptions(config: AppConfig, stream?: Writable): Params {
  return {
    pinoHttp: [
      {
        level: config.logLevel,
        genReqId: (req: IncomingMessage, res: ServerResponse) => requestIdFor(req, res),
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        serializers: {
          req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
            id: req.id,
            method: req.method,
            // The path only: query strings may carry personal data (an email being searched for).
            url: String(req.url).split('?')[0],
            userAgent: req.headers['user-agent'],
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => accessLogLevel(res.statusCode, err),
        quietReqLogger: true,
        hooks: { logMethod: demoteStartupChatter },
      },
      stream ?? process.stdout,
    ],
  };
}

/**
 * The access log's level for an answer. A 503 is the service saying on
 * purpose that it is briefly unavailable (the database is away, readiness
 * fails, shutdown has begun): during an outage every request gets one, so it
 * is a warning, and the outage itself is one error line (ProblemDetailsFilter's
 * OutageLog). Any other 5xx, or a request that errored, is an error.
 */
export function accessLogLevel(status: number, err?: Error): 'info' | 'warn' | 'error' {
  if (status === 503) return 'warn';
  if (err || status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}
