import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { startSmsTestApp, type SmsTestApp } from '../support/sms-test-app.js';

/**
 * deploy/: the Prometheus alert rules and the Grafana dashboard. `promtool
 * check rules` runs in `npm run test:interop`; here the files are checked
 * against the structure their tools load (a JSON schema each) and every
 * metric they query is one the app really exports.
 */
const RULES = 'deploy/prometheus/sesame-sms-alerts.yml';
const DASHBOARD = 'deploy/grafana/sesame-sms-dashboard.json';

const rulesSchema = {
  type: 'object',
  required: ['groups'],
  additionalProperties: false,
  properties: {
    groups: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'rules'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          interval: { type: 'string', pattern: '^\\d+[smhd]$' },
          rules: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['alert', 'expr', 'labels', 'annotations'],
              additionalProperties: false,
              properties: {
                alert: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                expr: { type: 'string', minLength: 1 },
                for: { type: 'string', pattern: '^\\d+[smhd]$' },
                labels: { type: 'object', required: ['severity'], properties: { severity: { enum: ['info', 'warning', 'critical'] } } },
                annotations: { type: 'object', required: ['summary', 'description'], additionalProperties: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
};

/** The part of Grafana's dashboard model (schemaVersion 39) that provisioning reads. */
const dashboardSchema = {
  type: 'object',
  required: ['uid', 'title', 'schemaVersion', 'panels', 'templating', 'time'],
  properties: {
    uid: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,40}$' },
    title: { type: 'string', minLength: 1 },
    schemaVersion: { type: 'integer', minimum: 36 },
    time: { type: 'object', required: ['from', 'to'] },
    templating: { type: 'object', required: ['list'], properties: { list: { type: 'array' } } },
    panels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'type', 'title', 'gridPos', 'datasource', 'targets'],
        properties: {
          id: { type: 'integer', minimum: 1 },
          type: { enum: ['timeseries', 'stat', 'gauge', 'table', 'bargauge'] },
          title: { type: 'string', minLength: 1 },
          gridPos: {
            type: 'object',
            required: ['x', 'y', 'w', 'h'],
            properties: { x: { type: 'integer', minimum: 0, maximum: 23 }, y: { type: 'integer', minimum: 0 }, w: { type: 'integer', minimum: 1, maximum: 24 }, h: { type: 'integer', minimum: 1 } },
          },
          datasource: { type: 'object', required: ['type', 'uid'], properties: { type: { const: 'prometheus' } } },
          targets: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', required: ['refId', 'expr'], properties: { refId: { type: 'string' }, expr: { type: 'string', minLength: 1 } } },
          },
        },
      },
    },
  },
};

/** Metric names a PromQL expression reads (histogram series map back to their histogram). */
const metricsIn = (expr: string) => [...expr.matchAll(/\bsesame_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));

describe('deploy/ monitoring: alert rules and dashboard', () => {
  let t: SmsTestApp;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await startSmsTestApp({ sns: true });
    const text = await (await fetch(`${t.url}/metrics`)).text();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  });
  afterAll(async () => {
    await t.close();
  });

  const rules = parse(readFileSync(RULES, 'utf8'));
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const ajv = new Ajv({ allErrors: true });

  it('the rules file has the structure Prometheus loads', () => {
    const validate = ajv.compile(rulesSchema);
    expect({ valid: validate(rules), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
    const names = rules.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['SesameSmsBreakerOpen', 'SesameSmsDeliveryRateLow', 'SesameSmsConversionLow', 'SesameSmsPrefixBlocked', 'SesameSmsSpendHigh']));
  });

  it('the dashboard has the structure Grafana provisions, with unique panel ids and no overlapping panels', () => {
    const validate = ajv.compile(dashboardSchema);
    expect({ valid: validate(dashboard), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('every metric the rules and the dashboard query is one the app exports', () => {
    const queried = [
      ...rules.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr as string)),
      ...dashboard.panels.flatMap((p: any) => p.targets.map((x: any) => x.expr as string)),
    ].flatMap(metricsIn);
    expect(queried.length).toBeGreaterThan(15);
    const missing = [...new Set(queried)].filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
    // What the issue asks to watch: delivery and receipt time per provider and country, conversion, breakers, spend.
    for (const name of ['sesame_sms_messages_total', 'sesame_sms_receipt_seconds', 'sesame_sms_breaker_state', 'sesame_sms_spend_total', 'sesame_sms_failovers_total']) {
      expect(queried).toContain(name);
    }
  });
});
