import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/**
 * .env.example documents every variable the configuration reads, and nothing
 * else; docker-compose.yml gives the instances only variables that exist. The
 * variables are taken from the schema in src/config/app-config.ts.
 */
async function configVariables(): Promise<string[]> {
  const source = await readFile('src/config/app-config.ts', 'utf8');
  const start = source.indexOf('const envSchema = z.object({');
  const block = source.slice(start, source.indexOf('\n});', start));
  return [...block.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!).sort();
}

describe('.env.example', () => {
  it('lists every configuration variable, set or commented out, and no other', async () => {
    const known = await configVariables();
    expect(known.length).toBeGreaterThan(25);
    const example = await readFile('.env.example', 'utf8');
    const listed = [...new Set([...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!))].sort();
    expect(listed).toEqual(known);
  });

  it('sets nothing that production would refuse or that only a test wants', async () => {
    const example = await readFile('.env.example', 'utf8');
    const set = Object.fromEntries([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    // .env is read only in development; a NODE_ENV there would be a setting that does nothing.
    expect(set).not.toHaveProperty('NODE_ENV');
    for (const secret of ['APP_SECRET', 'JWT_PRIVATE_KEY', 'VONAGE_API_SECRET', 'METRICS_TOKEN']) {
      expect(set[secret] ?? '').toBe('');
    }
  });
});

describe('docker-compose.yml variables', () => {
  it('gives the Sesame services only variables the configuration reads', async () => {
    const known = new Set(await configVariables());
    const { services } = parse(await readFile('docker-compose.yml', 'utf8'), { merge: true }) as {
      services: Record<string, { build?: unknown; environment?: Record<string, string> }>;
    };
    const sesame = Object.entries(services).filter(([, s]) => s.build);
    expect(sesame.length).toBeGreaterThanOrEqual(3);
    for (const [name, s] of sesame) {
      expect([name, Object.keys(s.environment ?? {}).filter((v) => !known.has(v))]).toEqual([name, []]);
    }
  });
});
