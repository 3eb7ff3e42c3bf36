import type { Writable } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';

/**
 * Development logs for a person at a terminal: pino-pretty's one line per
 * event (time, level, context, message) instead of JSON. Only in development,
 * and only when pino-pretty is installed: it is a development dependency, so
 * a production install (npm ci --omit=dev) has none and logs JSON, and so does
 * NODE_ENV=production whatever is installed. Undefined means "JSON to stdout".
 * Writing to the returned stream prints to `destination` (stdout by default).
 */
export async function prettyLogStream(
  config: Pick<AppConfig, 'env'>,
  destination: NodeJS.WritableStream = process.stdout,
): Promise<Writable | undefined> {
  if (config.env !== 'development') return undefined;
  let build: (typeof import('pino-pretty'))['build'];
  try {
    build = (await import('pino-pretty')).build;
  } catch {
    return undefined;
  }
  return build({
    destination,
    colorize: (destination as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,req,res,responseTime,context',
    messageFormat: '{if context}[{context}] {end}{if req.method}{req.method} {req.url} {res.statusCode} {end}{msg}',
    sync: true,
  });
}
