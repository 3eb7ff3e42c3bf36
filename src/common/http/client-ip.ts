import { isIP } from 'node:net';
import type { Request } from 'express';

/**
 * The client address used for throttling and the audit log.
 *
 * `X-Forwarded-For` is honoured only when TRUST_PROXY says how many proxies
 * stand in front of us; we then take the entry that the outermost trusted
 * proxy appended. Anything malformed is ignored (not trusted, not an error),
 * so a client cannot choose its own address (security.md: inputs).
 */
export function clientIp(req: Request, trustProxyHops: number): string {
  const socketIp = normaliseIp(req.socket?.remoteAddress ?? '') ?? 'unknown';
  if (trustProxyHops <= 0) return socketIp;
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!raw || raw.length > 1024) return socketIp;
  const hops = raw.split(',').map((s) => s.trim());
  const candidate = hops[hops.length - trustProxyHops];
  return (candidate && normaliseIp(candidate)) ?? socketIp;
}

function normaliseIp(value: string): string | null {
  const ip = value.startsWith('::ffff:') && isIP(value.slice(7)) === 4 ? value.slice(7) : value;
  return isIP(ip) ? ip : null;
}
