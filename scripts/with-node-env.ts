/**
 * Runs a built entry point with NODE_ENV set to a mode, unless the environment
 * already sets NODE_ENV:
 *
 *   node dist/scripts/with-node-env.js development dist/src/main.js [arguments…]
 *
 * `npm start` and the other development commands go through it, so development
 * is always an explicit setting: the console SMS sender and GET /dev/sms exist
 * only then, and a server started with no NODE_ENV never serves them.
 * `npm run start:prod` uses it for production. (A script rather than
 * `NODE_ENV=… node …` in package.json, so the commands work in every shell.)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MODES = ['development', 'test', 'production'];

const [mode, entry, ...args] = process.argv.slice(2);
if (!mode || !MODES.includes(mode) || !entry) {
  console.error(`usage: with-node-env ${MODES.join('|')} <entry.js> [arguments…]`);
  process.exit(2);
}
if (!process.env.NODE_ENV) process.env.NODE_ENV = mode;
// The entry point sees the command line it would have had if started directly (cluster workers re-run it so).
const script = resolve(entry);
process.argv = [process.argv[0], script, ...args];
await import(pathToFileURL(script).href);
