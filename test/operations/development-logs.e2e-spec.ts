import { PassThrough } from 'node:stream';
import { prettyLogStream } from '../../src/common/pretty-logs.js';
import { startTestApp } from '../support/test-app.js';

const lines = (logs: string[]) =>
  logs
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; context?: string; msg: string });

describe('start-up logs', () => {
  // One app for the whole file: nestjs-pino keeps its root logger per process.
  it('announce modules, controllers and routes at debug, so LOG_LEVEL=info (the default) leaves them out', async () => {
    const t = await startTestApp({ env: { LOG_LEVEL: 'debug' } });
    try {
      const logged = lines(t.logs);
      const chatter = logged.filter((l) =>
        ['InstanceLoader', 'RoutesResolver', 'RouterExplorer'].includes(l.context ?? ''),
      );
      expect(chatter.filter((l) => /^Mapped \{/.test(l.msg)).length).toBeGreaterThan(20);
      expect(chatter.map((l) => l.msg)).toContain('Mapped {/auth/login, POST} route');
      expect(chatter.filter((l) => l.level !== 20)).toEqual([]);
      // What a person starting the server wants to see stays at info.
      expect(logged.find((l) => l.msg === 'Nest application successfully started')?.level).toBe(30);
    } finally {
      await t.close();
    }
  });
});

describe('prettyLogStream', () => {
  it('prints development logs as one readable line each', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const stream = await prettyLogStream({ env: 'development' }, out);
    expect(stream).toBeDefined();
    stream!.write(
      JSON.stringify({
        level: 30,
        time: Date.UTC(2026, 0, 1, 12, 0, 0),
        pid: 1,
        hostname: 'h',
        req: { id: 'r1', method: 'POST', url: '/auth/login' },
        res: { statusCode: 200 },
        responseTime: 12,
        msg: 'request completed',
      }) + '\n',
    );
    stream!.write(JSON.stringify({ level: 40, time: 0, context: 'SmsOutbox', msg: 'retrying' }) + '\n');
    await new Promise((resolve) => setImmediate(resolve));
    const printed = text.trimEnd().split('\n');
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/auth\/login 200 request completed$/);
    expect(printed[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[SmsOutbox\] retrying$/);
    expect(text).not.toContain('{');
  });

  it.each([['production'], ['test']] as const)('is not used with NODE_ENV=%s: logs stay JSON', async (env) => {
    expect(await prettyLogStream({ env })).toBeUndefined();
  });
});
