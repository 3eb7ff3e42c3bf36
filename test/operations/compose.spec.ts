import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/**
 * docker-compose.yml as users run it (no Docker engine here: the file is read;
 * CI also checks it with `docker-compose config`). The instances sit behind a
 * real load balancer that alone is published, and trust exactly its one hop
 * of X-Forwarded-For: otherwise any client picks the address that rate limits
 * count it under.
 */
interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  expose?: string[];
  profiles?: string[];
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

const text = async (file: string) => readFile(file, 'utf8');

describe('docker-compose.yml', () => {
  let services: Record<string, Service>;
  let caddyfile: string;
  beforeAll(async () => {
    services = (parse(await text('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> })
      .services;
    caddyfile = await text('deploy/Caddyfile');
  });

  const production = () =>
    Object.entries(services).filter(([, s]) => !s.profiles && s.environment?.NODE_ENV === 'production');

  it('runs two Sesame instances in production, no port of theirs published', () => {
    const instances = production();
    expect(instances.map(([name]) => name).sort()).toEqual(['sesame-1', 'sesame-2']);
    for (const [, s] of instances) {
      expect(s.ports).toBeUndefined();
      expect(s.expose).toEqual(['3000']);
      expect(s.environment?.SMS_PROVIDER).toBe('vonage');
      expect(s.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(s.environment?.REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('puts Caddy in front of every instance, the only published service besides the dev profile', () => {
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^caddy:2/);
    expect(proxy.volumes).toContain('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro');
    const upstreams = /reverse_proxy\s+([^{\n]+)\{/.exec(caddyfile)?.[1]?.trim().split(/\s+/);
    expect(upstreams?.sort()).toEqual(
      production()
        .map(([name]) => `${name}:3000`)
        .sort(),
    );
    expect(caddyfile).toMatch(/health_uri \/health\/ready/);
    // Caddy must not trust what clients say: no trusted_proxies, so it writes X-Forwarded-For itself.
    expect(caddyfile).not.toMatch(/^\s*trusted_proxies/m);
    const published = Object.entries(services).filter(([, s]) => s.ports && !s.profiles);
    expect(published.map(([name]) => name)).toEqual(['proxy']);
  });

  it('sets TRUST_PROXY on each instance to the proxy hops in front of it: one, Caddy', () => {
    for (const [, s] of production()) expect(s.environment?.TRUST_PROXY).toBe('1');
  });

  it('restarts every service that stops', () => {
    for (const [name, s] of Object.entries(services)) expect([name, s.restart]).toEqual([name, 'unless-stopped']);
  });

  it('starts the instances once Postgres and Redis answer, and the proxy once the instances are ready', () => {
    for (const [, s] of production()) {
      expect(s.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    expect(services.proxy!.depends_on).toEqual({
      'sesame-1': { condition: 'service_healthy' },
      'sesame-2': { condition: 'service_healthy' },
    });
  });

  it('keeps the console SMS sender in an opt-in dev profile, on loopback only, marked not for production', async () => {
    const dev = Object.entries(services).filter(([, s]) => s.environment?.SMS_PROVIDER === 'console');
    expect(dev.map(([name]) => name)).toEqual(['sesame-dev']);
    const [, s] = dev[0]!;
    expect(s.profiles).toEqual(['dev']);
    expect(s.environment?.NODE_ENV).toBe('development');
    expect(s.ports).toEqual(['127.0.0.1:3000:3000']);
    const source = await text('docker-compose.yml');
    const block = source.slice(
      source.lastIndexOf('\n\n', source.indexOf('  sesame-dev:')),
      source.indexOf('  sesame-dev:'),
    );
    expect(block).toMatch(/NOT FOR PRODUCTION/);
  });
});

describe('.dockerignore', () => {
  it('keeps local state, secrets and installed modules out of the build context', async () => {
    const lines = (await text('.dockerignore')).split('\n').map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', 'dist', '.data', '.env', '*.pem']) expect(lines).toContain(entry);
  });
});
