import { ArgumentsHost, Catch, HttpException, Logger, NotFoundException, type ExceptionFilter } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { methodNotAllowed, wwwAuthenticateFor } from '../http/http-conventions.js';
import { requestIdFor } from '../http/request-context.js';
import { CommonException, ProblemException, type Problem } from './problem.exception.js';

/**
 * Turns every error into `application/problem+json` (RFC 9457). Known
 * problems keep their code; framework HTTP errors get a generic code for
 * their status; anything else is a bare 500 with the request id, and the
 * details go to the log only (security.md: no stack traces, SQL or library
 * messages in responses).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private readonly outage = new OutageLog(this.logger);

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = requestIdFor(req, res);
    // No route matched (Nest's router throws NotFoundException): a path served for other methods is a 405.
    const problem = (error instanceof NotFoundException && methodNotAllowed(req)) || this.toProblem(error, res, requestId);
    if (res.headersSent) return;
    const challenge = wwwAuthenticateFor(problem, req);
    if (challenge) res.setHeader('WWW-Authenticate', challenge);
    for (const [name, value] of Object.entries(problem.headers ?? {})) res.setHeader(name, value);
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'about:blank',
          title: problem.title,
          status: problem.status,
          code: problem.code,
          ...(problem.detail ? { detail: problem.detail } : {}),
          ...problem.extensions,
          ...(problem.status >= 500 ? { requestId } : {}),
        }),
      );
  }

  private toProblem(error: unknown, res: Response, requestId: string): Problem {
    if (error instanceof ProblemException) return error.problem;
    if (error instanceof ThrottlerException) {
      // The throttler guard has already set Retry-After; keep the header and the contract's code.
      const retryAfter = res.getHeader('Retry-After');
      return {
        ...new CommonException('RATE_LIMITED').problem,
        headers: { 'Retry-After': String(retryAfter ?? 60) },
      };
    }
    const status = httpStatusOf(error);
    if (status !== null && (status < 500 || status === 503)) return genericProblem(status);
    if (isDatabaseUnavailable(error)) {
      this.outage.seen(error, requestId);
      return new CommonException('SERVICE_UNAVAILABLE', {
        detail: 'The service is briefly unavailable. Try again shortly.',
        headers: { 'Retry-After': String(RETRY_AFTER_OUTAGE_SECONDS) },
      }).problem;
    }
    this.logger.error({ err: error, requestId }, 'unhandled error');
    return new CommonException('INTERNAL').problem;
  }
}

const RETRY_AFTER_OUTAGE_SECONDS = 2;
/** Failures this far apart belong to one outage; a failure after a longer quiet spell starts another. */
const OUTAGE_QUIET_MS = 30_000;
/** While an outage lasts, how often it says how many more requests were refused. */
const OUTAGE_REPORT_MS = 30_000;

/**
 * One error line per outage: its first failure. While it lasts, a warning
 * every 30 s says how many more requests were answered 503 (the access log
 * has each of them as a warning too).
 */
export class OutageLog {
  private lastSeenAt = -Infinity;
  private lastReportAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
    private readonly now: () => number = Date.now,
  ) {}

  seen(error: unknown, requestId: string): void {
    const now = this.now();
    const sameOutage = now - this.lastSeenAt < OUTAGE_QUIET_MS;
    this.lastSeenAt = now;
    if (!sameOutage) {
      this.lastReportAt = now;
      this.suppressed = 0;
      this.logger.error({ err: error, requestId }, 'database unavailable: answering 503');
      return;
    }
    this.suppressed++;
    if (now - this.lastReportAt < OUTAGE_REPORT_MS) return;
    this.logger.warn({ requestId, failedSinceLastReport: this.suppressed }, 'database still unavailable: answering 503');
    this.lastReportAt = now;
    this.suppressed = 0;
  }
}

/**
 * Postgres cannot be reached or is shutting down, or the pool waited too
 * long for a connection: a condition of the service, not of the request
 * (SQLSTATE class 08 connection exceptions, 57P01–57P03 shutdown and
 * startup, and the driver's own connection errors).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const cause = (error as { driverError?: unknown }).driverError ?? error;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'].includes(code))) {
    return true;
  }
  const message = (cause as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i.test(message)
  );
}

/** Framework errors (unknown route, body parser errors) carry a status; use it, never their message. */
function httpStatusOf(error: unknown): number | null {
  if (error instanceof HttpException) return error.getStatus();
  if (typeof error === 'object' && error !== null) {
    const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 600) return status;
  }
  return null;
}

export function genericProblem(status: number): Problem {
  switch (status) {
    case 400:
      return new CommonException('VALIDATION_FAILED', {
        extensions: { errors: [{ field: 'body', message: 'the request body could not be read' }] },
      }).problem;
    case 401:
      return new CommonException('UNAUTHENTICATED').problem;
    case 403:
      return new CommonException('FORBIDDEN').problem;
    case 404:
      return new CommonException('NOT_FOUND').problem;
    case 405:
      return new CommonException('METHOD_NOT_ALLOWED').problem;
    case 413:
      return new CommonException('PAYLOAD_TOO_LARGE').problem;
    case 415:
      return new CommonException('UNSUPPORTED_MEDIA_TYPE').problem;
    case 503:
      // Readiness failing (a dependency is down) or shutdown begun: say when to look again, as for an outage.
      return { status, code: 'UNAVAILABLE', title: 'Service unavailable', headers: { 'Retry-After': String(RETRY_AFTER_OUTAGE_SECONDS) } };
    case 429:
      return new CommonException('RATE_LIMITED', { headers: { 'Retry-After': '60' } }).problem;
    default:
      return { status, code: `HTTP_${status}`, title: 'Request refused' };
  }
}
