import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Development reads `.env` from the working directory (`cp .env.example .env`),
 * as compose does for its own variables. A variable already in the
 * environment always wins over the file, so a one-off `PORT=4000 npm start`
 * or a CI setting behaves as expected. Production never reads the file: its
 * configuration is the environment the orchestrator gives it.
 *
 * Returns the names taken from the file (for a log line), or null when no
 * file was read.
 */
export function loadDotEnv(
  env: NodeJS.ProcessEnv = process.env,
  file: string = resolve('.env'),
): { file: string; loaded: string[] } | null {
  if (env.NODE_ENV !== 'development') return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    loaded.push(name);
  }
  return { file, loaded };
}
