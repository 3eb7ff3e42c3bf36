import { execFileSync } from 'node:child_process';

/**
 * The alert rules in deploy/ through Prometheus's own validator,
 * `promtool check rules` (Debian/Ubuntu: apt-get install prometheus):
 * `npm run test:interop`. `npm test` checks their structure without the tool
 * (test/operations/sms-monitoring.e2e-spec.ts). Without promtool this suite
 * fails rather than passing by checking nothing.
 */
function promtool(args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool was not found on PATH: install Prometheus (Debian/Ubuntu: apt-get install prometheus)', { cause: error });
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
}

describe('promtool', () => {
  it('accepts the SMS alert rules', () => {
    expect(promtool(['check', 'rules', 'deploy/prometheus/sesame-sms-alerts.yml'])).toMatch(/SUCCESS: \d+ rules found/);
  });
});
