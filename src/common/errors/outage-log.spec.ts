import { accessLogLevel } from '../logging.js';
import { OutageLog } from './problem-details.filter.js';

/** What an outage of the database writes to the log: one error line, then warnings, whatever the number of requests. */
describe('outage logging', () => {
  function recorder() {
    const lines: Array<{ level: 'error' | 'warn'; msg: string; fields: Record<string, unknown> }> = [];
    return {
      lines,
      logger: {
        error: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'error', msg, fields }),
        warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', msg, fields }),
      },
    };
  }

  it('logs one error line per outage, and while it lasts a warning every 30 s with the count', () => {
    let now = 1_000_000;
    const { lines, logger } = recorder();
    const log = new OutageLog(logger as never, () => now);
    // 95 s of an outage, 20 refused requests a second.
    for (let i = 0; i < 95 * 20; i++) {
      log.seen(new Error('connect ECONNREFUSED'), `r${i}`);
      now += 50;
    }
    expect(lines.map((l) => l.level)).toEqual(['error', 'warn', 'warn', 'warn']);
    expect(lines[0].msg).toBe('database unavailable: answering 503');
    expect(lines.slice(1).map((l) => l.fields.failedSinceLastReport)).toEqual([600, 600, 600]);
  });

  it('a failure after a quiet spell of 30 s is a new outage, with an error line of its own', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const log = new OutageLog(logger as never, () => now);
    log.seen(new Error('first'), 'a');
    now += 5_000;
    log.seen(new Error('same outage'), 'b');
    now += 31_000;
    log.seen(new Error('second outage'), 'c');
    expect(lines.map((l) => `${l.level} ${l.fields.requestId as string}`)).toEqual(['error a', 'error c']);
  });

  it('the access log has a 503 as a warning and every other 5xx as an error', () => {
    expect(accessLogLevel(503)).toBe('warn');
    expect(accessLogLevel(503, new Error('failed with status code 503'))).toBe('warn');
    expect(accessLogLevel(500)).toBe('error');
    expect(accessLogLevel(502)).toBe('error');
    expect(accessLogLevel(504, new Error('x'))).toBe('error');
    expect(accessLogLevel(200, new Error('aborted'))).toBe('error');
    expect(accessLogLevel(404)).toBe('warn');
    expect(accessLogLevel(204)).toBe('info');
  });
});
