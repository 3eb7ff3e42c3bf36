import { validationFailed } from '../common/errors/problem.exception.js';

/**
 * A position in a newest-first listing: the last row's exact `created_at`
 * (microseconds, as Postgres stores it; a JavaScript Date would drop them and
 * skip rows on the next page) and its id, which breaks ties.
 */
export interface KeysetPosition {
  createdAt: string;
  id: string;
}

/** The SQL that renders `created_at` exactly as a position holds it. */
export const POSITION_SQL = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})Z,(.+)$/s;

/**
 * Opaque to clients, but not secret: it only says where the previous page
 * ended, and an admin who forges one merely reads from another position.
 */
export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(`${position.createdAt},${position.id}`, 'utf8').toString('base64url');
}

/**
 * Checks every part before it reaches SQL, so a malformed cursor is a 400 and
 * never a database error: the alphabet, the exact instant format, a real
 * calendar date from year 1 on (Postgres has no year 0), and an id that
 * `isId` accepts.
 */
export function decodeKeysetCursor(cursor: string, isId: (id: string) => boolean): KeysetPosition {
  const invalid = () => validationFailed([{ field: 'cursor', message: 'is not a cursor returned by this endpoint' }]);
  // Node's base64url decoder skips characters it does not know; refuse them instead of guessing.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const match = POSITION.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw invalid();
  const [, seconds, micros, id] = match;
  const time = Date.parse(`${seconds}Z`);
  // The round trip refuses dates the pattern allows but the calendar does not (2025-02-30, 25:00).
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== seconds || seconds < '0001') throw invalid();
  if (!isId(id)) throw invalid();
  return { createdAt: `${seconds}.${micros}Z`, id };
}
