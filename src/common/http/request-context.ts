import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * The request id: a well-formed `X-Request-Id` from a trusted edge is kept so
 * logs line up across services; anything else is replaced by a fresh UUID.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as IncomingMessage & { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && INCOMING_ID.test(header) ? header : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
