/**
 * What the command-line scripts (admin:create, migration:*) share: a failure
 * is one line on stderr that says what to do, and a non-zero exit code; never
 * a stack trace, a Nest retry loop or an unhandled rejection.
 */
import pg from 'pg';
import { ConfigError } from '../src/config/app-config.js';
import { EmbeddedPostgresError } from '../src/database/embedded-postgres.js';

/** A failure already phrased for the person at the terminal. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Runs a script's main function and exits with its code; any failure becomes one line. */
export function runCli(main: () => Promise<number>): void {
  const fail = (error: unknown) => {
    process.stderr.write(`${failureLine(error)}\n`);
    process.exit(1);
  };
  // A promise some library forgot to await must not end the process with Node's own dump.
  process.on('unhandledRejection', fail);
  process.on('uncaughtException', fail);
  main().then((code) => process.exit(code), fail);
}

export function failureLine(error: unknown): string {
  if (error instanceof CliError || error instanceof ConfigError || error instanceof EmbeddedPostgresError) {
    return error.message;
  }
  if (error === undefined || error === null) return 'failed for an unknown reason (nothing was reported)';
  return `failed: ${firstLine(error)}`;
}

/**
 * Connects once to the database the script is about to use and says, in one
 * line, why that is impossible: an unreachable server, a refused login or a
 * missing database. Done before anything else so that no library gets to
 * retry with a stack trace per attempt.
 */
export async function checkDatabase(url: string, embedded: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(describeConnectionFailure(url, embedded, error));
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function describeConnectionFailure(url: string, embedded: boolean, error: unknown): string {
  const where = embedded ? 'the embedded Postgres' : `the database at ${safeLocation(url)}`;
  const advice = embedded
    ? 'stop the server or set DATABASE_URL'
    : 'start that Postgres server, correct DATABASE_URL, or unset it to use the embedded Postgres';
  return `Cannot connect to ${where}: ${firstLine(error)}; ${advice}.`;
}

/** host:port/database, without the credentials. */
function safeLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL (not a valid URL)';
  }
}

/** The first line of an error's message; an AggregateError (every address refused) by its first member. */
function firstLine(error: unknown): string {
  if (error instanceof AggregateError && !error.message && error.errors.length > 0) return firstLine(error.errors[0]);
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.split('\n')[0]!.slice(0, 300);
}
