import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** What the audit log and the SMS locale need to know about the caller. */
export interface RequestMeta {
  ip: string;
  userAgent: string | null;
  acceptLanguage: string | null;
  requestId: string;
}

export type RequestWithMeta = Request & { meta?: RequestMeta };

export const ReqMeta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<RequestWithMeta>();
  if (!req.meta) throw new Error('request context middleware is not installed');
  return req.meta;
});
