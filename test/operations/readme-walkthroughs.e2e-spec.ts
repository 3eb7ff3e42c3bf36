import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The README sections a newcomer pastes from, in order; each must keep at least one shell block. */
const SECTIONS = ['Quick start', 'A login with an SMS code', 'A lost phone', "An admin's first login"];

interface Block {
  section: string;
  script: string;
}

/** The ```sh blocks under each of SECTIONS (up to the next heading of the same or a higher level). */
function shellBlocks(readme: string): Block[] {
  // Headings outside code blocks, with their level; `# comment` lines in a shell block are not headings.
  const lines = readme.split('\n');
  const headings: Array<{ line: number; level: number; title: string }> = [];
  let fenced = false;
  lines.forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^(#+) (.*)$/.exec(line);
    if (heading) headings.push({ line: i, level: heading[1]!.length, title: heading[2]! });
  });
  const blocks: Block[] = [];
  for (const section of SECTIONS) {
    const at = headings.findIndex((h) => h.title === section);
    if (at < 0) throw new Error(`README has no section "${section}"`);
    const start = headings[at]!;
    const end = headings.slice(at + 1).find((h) => h.level <= start.level)?.line ?? lines.length;
    let current: string[] | null = null;
    let found = 0;
    for (const line of lines.slice(start.line + 1, end)) {
      if (current === null && line === '```sh') current = [];
      else if (current !== null && line === '```') {
        blocks.push({ section, script: current.join('\n') });
        current = null;
        found++;
      } else current?.push(line);
    }
    if (found === 0) throw new Error(`README section "${section}" has no shell block`);
  }
  return blocks;
}

/** Blocks that install or start the server: the test starts it itself, with the environment they set. */
const startsServer = (block: Block) => /^\s*(?:[A-Z_]+=(?:'[^']*'|\S+)\s+)*npm (?:install|start|ci)\b/m.test(block.script);

/** `BOOTSTRAP_ADMIN_EMAIL=… BOOTSTRAP_ADMIN_PASSWORD='…' npm start` → those variables. */
function environmentOf(block: Block): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of block.script.split('\n')) {
    const start = /^((?:[A-Z_]+=(?:'[^']*'|\S+)\s+)+)npm start\b/.exec(line);
    if (!start) continue;
    for (const m of start[1]!.matchAll(/([A-Z_]+)=('([^']*)'|\S+)/g)) env[m[1]!] = m[3] ?? m[2]!;
  }
  return env;
}

function runBash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README walkthroughs run as pasted', () => {
  let readme: string;
  let blocks: Block[];
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    readme = await readFile(join(__dirname, '../../README.md'), 'utf8');
    blocks = shellBlocks(readme);
    const env = Object.assign({}, ...blocks.filter(startsServer).map(environmentOf)) as Record<string, string>;
    // As `npm start` runs it: development, the console sender and /dev/sms, a data directory of its own.
    dataDir = await mkdtemp(join(tmpdir(), 'sesame-readme-'));
    t = await startTestApp({ env: { ...env, NODE_ENV: 'development', DATA_DIR: dataDir } });
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finds the blocks, and the server they start is the one the test starts', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const starts = blocks.filter(startsServer);
    expect(starts.map((b) => b.section)).toEqual(expect.arrayContaining(['Quick start', "An admin's first login"]));
    expect(Object.keys(Object.assign({}, ...starts.map(environmentOf)))).toEqual(['BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD']);
  });

  it('every other block exits 0, one after another in one shell, against the live server', async () => {
    const runnable = blocks.filter((b) => !startsServer(b));
    const port = new URL(t.url).port;
    // Pasted into one terminal: variables carry from block to block. A failing command, or an HTTP error
    // answer (curl --fail-with-body), stops the run at its block.
    const script = [
      'set -eo pipefail',
      'curl() { command curl --fail-with-body "$@"; }',
      ...runnable.map((b, i) => `echo "::block ${i} (${b.section})" >&2\n${b.script.replaceAll('localhost:3000', `127.0.0.1:${port}`)}\necho`),
      'echo "::all blocks done" >&2',
    ].join('\n');
    expect(runnable.every((b) => b.script.includes('localhost:3000'))).toBe(true);
    const result = await runBash(script);
    const reached = [...result.stderr.matchAll(/^::block (\d+)/gm)].length;
    expect({ code: result.code, reached, stderr: result.stderr, stdout: result.stdout }).toMatchObject({ code: 0, reached: runnable.length });
    expect(result.stderr).toContain('::all blocks done');
    // What the comments promise: an aal2 session after the SMS login, tokens from the admin's activation, the policy.
    expect(result.stdout).toMatch(/"aal":"aal2","amr":\["pwd","sms"\]/);
    expect(result.stdout).toMatch(/"status":"active".*"accessToken":"/);
    expect(result.stdout).toMatch(/"mode":"optional","requiredRoles":\["admin"\]/);
    expect(result.stdout).toMatch(/"recoveryCodes":\{"available":true,"remaining":10\}/);
    expect(result.stdout).toMatch(/"label":"\+44 •••• ••• 458","status":"active"/);
  }, 120_000);
});
