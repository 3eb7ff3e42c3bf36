import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { genericProblem } from '../errors/problem-details.filter.js';
import { requestIdFor } from './request-context.js';

/**
 * JSON bodies only, capped in size. Body-parser errors happen before Nest's
 * routing, so they are turned into problem+json right here: malformed JSON is
 * a 400, an oversized body a 413, an unknown charset a 415 — never a 500.
 */
export function installBodyParsing(app: INestApplication, limitBytes: number): void {
  app.use(express.json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = (err as { status?: number }).status;
    const problem = genericProblem(typeof status === 'number' && status >= 400 && status < 500 ? status : 400);
    if (problem.code === 'VALIDATION_FAILED') {
      problem.extensions = { errors: [{ field: 'body', message: 'malformed JSON' }] };
    }
    requestIdFor(req, res);
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify({ type: 'about:blank', title: problem.title, status: problem.status, code: problem.code, ...problem.extensions }));
  });
}
