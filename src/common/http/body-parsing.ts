import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { genericProblem } from '../errors/problem-details.filter.js';
import type { Problem } from '../errors/problem.exception.js';
import { requestIdFor } from './request-context.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * JSON bodies only, capped in size. Body-parser errors happen before Nest's
 * routing, so they are turned into problem+json right here: malformed JSON is
 * a 400, an oversized body a 413, an unknown charset a 415 — never a 500.
 * A body of any other media type is a 415 too: read as "no body", a
 * text/plain or form post would reach the routes as an empty JSON object.
 * Requests the HTTP parser itself refuses get problem+json as well.
 */
export function installBodyParsing(app: INestApplication, limitBytes: number): void {
  answerUnparsableRequests(app.getHttpServer() as Server);
  app.use(express.json({ limit: limitBytes, strict: true, type: JSON_TYPES }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.body === undefined && hasBody(req)) return sendProblem(req, res, genericProblem(415));
    next();
  });
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = (err as { status?: number }).status;
    const problem = genericProblem(typeof status === 'number' && status >= 400 && status < 500 ? status : 400);
    if (problem.code === 'VALIDATION_FAILED') {
      problem.extensions = { errors: [{ field: 'body', message: 'malformed JSON' }] };
    }
    sendProblem(req, res, problem);
  });
}

/**
 * Requests Node's HTTP parser refuses before Express sees them — a request
 * line or headers over the 16 KiB limit (431), a malformed request line or
 * header (400) — are answered as problem+json too, instead of Node's bare
 * status line.
 */
function answerUnparsableRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const problem = genericProblem(status);
    const extensions = status === 400 ? { errors: [{ field: 'request', message: 'is not a well-formed HTTP request' }] } : problem.extensions;
    const body = JSON.stringify({ type: 'about:blank', title: problem.title, status, code: problem.code, ...extensions });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** RFC 9110 §6.4.1: a request has content when it says how long it is (and that is not 0) or is chunked. */
function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

function sendProblem(req: Request, res: Response, problem: Problem): void {
  requestIdFor(req, res);
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: problem.title, status: problem.status, code: problem.code, ...problem.extensions }));
}
