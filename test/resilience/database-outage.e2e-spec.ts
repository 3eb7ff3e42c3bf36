import { nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import type { HttpResult } from '../support/test-app.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * Issue 9: Postgres goes away for 10 s under a steady load of SMS logins,
 * /auth/me calls and readiness probes, then comes back on the same address.
 *
 * The app reaches the run's Postgres through a TCP proxy that the test cuts
 * (test/resilience/tcp-proxy.ts): every connection of both pools (postgres.js
 * and TypeORM's pg pool) is closed as a stopping server closes it, with
 * transactions in flight, and new connections are refused until the proxy
 * is restored. The outbox worker is on, as in production. While the
 * database is away every answer is a 503 problem+json with Retry-After
 * (SERVICE_UNAVAILABLE; UNAVAILABLE from readiness), never a 500, and the
 * process survives (postgres.js 3.4 could throw an uncatchable TypeError
 * here: see Database.transaction); the outage is one error line, and the
 * access log has the 503s as warnings; within 2 s of the database's return
 * a whole login works again; and the clients' retries never make a code
 * count twice or a login attempt yield two sessions.
 */

const OUTAGE_MS = 10_000;
const RECOVERY_BUDGET_MS = 2_000;
/** A request during the outage is refused within this (the pools' connect timeout is 5 s). */
const ANSWER_WITHIN_MS = 6_000;
/** A request not answered by then is given up (and counted as held). */
const NO_ANSWER_MS = 8_000;
const FLOW_LOOPS = 3;
const USERS_PER_LOOP = 5;
/** Each user is a fresh login at most this often: the per-user and per-number hourly SMS caps are 10. */
const FLOWS_PER_USER = 8;
const PAUSE_MS = 100;
const PROBE_USERS = 4;

interface Observed {
  route: string;
  status: number;
  code: string | undefined;
  contentType: string | null;
  retryAfter: string | null;
  startedAt: number;
  endedAt: number;
  tag?: string;
}

interface Flow {
  tag: string;
  userId: string;
  startedAt: number;
  endedAt?: number;
  /** Verified (200) with this session id. */
  sessionId?: string;
  /** Why it ended without a session: the step, its status and code. */
  endedBy?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sidOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')).sid;
}

describe('a 10 s database outage under load', () => {
  let proxy: TcpProxy | null = null;
  let t: SmsTestApp | null = null;

  beforeAll(async () => {
    const sharedAdminUrl = process.env.SESAME_TEST_ADMIN_URL!;
    const target = new URL(sharedAdminUrl);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    // The suite's database, and every connection to it (the app's and the test's), go through the proxy.
    process.env.SESAME_TEST_ADMIN_URL = TcpProxy.urlThrough(sharedAdminUrl, proxy.port);
    try {
      t = await startSmsTestApp({ overrides: { smsWorker: true } });
    } finally {
      process.env.SESAME_TEST_ADMIN_URL = sharedAdminUrl;
    }
    // The test's own pool loses its idle connections in the outage too; that is expected here.
    t.db.on('error', () => undefined);
  }, 60_000);

  afterAll(async () => {
    try {
      // A run that failed during the outage: the database must be reachable to drop the suite's database.
      await proxy?.restore();
      if (t) {
        // Requests a failed run left unanswered would keep the HTTP server from closing.
        t.app.getHttpServer().closeAllConnections();
        await within(t.close(), 15_000, 'the app did not close');
      }
    } finally {
      await t?.vonage.close().catch(() => undefined);
      await proxy?.close();
    }
  }, 45_000);

  it('answers 503 with Retry-After and no 500 while Postgres is down, logs it once, recovers within 2 s and consumes nothing twice', async () => {
    const app = t!;
    // Anything the app left to fail on its own (a promise nobody awaited, a throw from a timer): none may happen.
    const strays: string[] = [];
    const onStray = (error: unknown) => strays.push(String((error as Error)?.stack ?? error));
    process.on('unhandledRejection', onStray);
    process.on('uncaughtException', onStray);
    const observed: Observed[] = [];
    let flowCounter = 0;
    const flows: Flow[] = [];

    const call = async (
      route: string,
      method: string,
      path: string,
      opts: { body?: unknown; token?: string; tag?: string } = {},
    ) => {
      const startedAt = Date.now();
      const headers: Record<string, string> = {};
      if (opts.tag) headers['user-agent'] = opts.tag;
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      let res: HttpResult;
      try {
        const answer = await fetch(app.url + path, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: AbortSignal.timeout(NO_ANSWER_MS),
        });
        const text = await answer.text();
        res = { status: answer.status, headers: answer.headers, body: text ? JSON.parse(text) : undefined, text };
      } catch (error) {
        // No answer at all (held past NO_ANSWER_MS, or the connection dropped): status 0.
        const name = (error as { name?: unknown }).name;
        if (name !== 'TimeoutError' && name !== 'TypeError') throw error;
        res = {
          status: 0,
          headers: new Headers(),
          body: { code: name === 'TimeoutError' ? 'NO_ANSWER' : 'CONNECTION_FAILED' },
          text: '',
        };
      }
      observed.push({
        route,
        status: res.status,
        code: typeof res.body === 'object' && res.body ? res.body.code : undefined,
        contentType: res.headers.get('content-type'),
        retryAfter: res.headers.get('retry-after'),
        startedAt,
        endedAt: Date.now(),
        tag: opts.tag,
      });
      return res;
    };

    // Users for the load: each loop has its own, so codes never cross between loops.
    // And users of their own for the logins that time the recovery. Enrolled four at a time.
    const enrolled: Array<Awaited<ReturnType<typeof userWithSms>>> = [];
    const emails = [
      ...Array.from({ length: FLOW_LOOPS * USERS_PER_LOOP }, (_, i) => `outage-${i}@example.com`),
      ...Array.from({ length: PROBE_USERS }, (_, i) => `outage-probe-${i}@example.com`),
    ];
    for (let i = 0; i < emails.length; i += 4) {
      enrolled.push(
        ...(await Promise.all(emails.slice(i, i + 4).map((email) => userWithSms(app, email, nextPhone())))),
      );
    }
    const users = enrolled.slice(0, FLOW_LOOPS * USERS_PER_LOOP);
    const probeUsers = enrolled.slice(FLOW_LOOPS * USERS_PER_LOOP);
    const uses = new Map<string, number>();
    const retired = new Set<string>();

    let running = true;
    let latestAccessToken: string | null = null;

    /** Repeats a step while it answers 503 (a client honouring Retry-After, only faster, to keep the load up). */
    const untilAnswered = async (step: () => Promise<HttpResult>, retry: boolean) => {
      let after503 = false;
      for (;;) {
        const res = await step();
        if (res.status !== 503 || !running || !retry) return { res, after503 };
        after503 = true;
        await sleep(PAUSE_MS);
      }
    };

    /** One SMS login: password, challenge, the code from the phone, verify. */
    const runFlow = async (user: (typeof users)[number], retry = true): Promise<Flow> => {
      const tag = `outage-flow-${++flowCounter}`;
      const flow: Flow = { tag, userId: user.userId, startedAt: Date.now() };
      flows.push(flow);
      try {
        const login = await untilAnswered(
          () => call('login', 'POST', '/auth/login', { body: { email: user.email, password: user.password }, tag }),
          retry,
        );
        if (login.res.status !== 200 || login.res.body.status !== 'mfa_required') {
          flow.endedBy = `login ${login.res.status} ${login.res.body?.code ?? ''}`;
          return flow;
        }
        const mfaToken: string = login.res.body.mfaToken;
        const before = app.vonage.codesSentTo(user.phone).length;
        const challenge = await call('challenge', 'POST', '/auth/mfa/challenges', {
          body: { factorId: user.factorId },
          token: mfaToken,
          tag,
        });
        if (challenge.status === 503) {
          // The challenge may exist all the same, its code gone out or still to go (the outbox worker sends it with a
          // fresh code once its lease runs out): later codes to this phone could be that challenge's, so this user
          // is not used again and the flow ends here.
          retired.add(user.userId);
          flow.endedBy = 'challenge 503';
          return flow;
        }
        if (challenge.status !== 201) {
          flow.endedBy = `challenge ${challenge.status} ${challenge.body?.code ?? ''}`;
          return flow;
        }
        const codes = app.vonage.codesSentTo(user.phone);
        if (codes.length !== before + 1)
          throw new Error(`${tag}: challenge created, ${codes.length - before} codes reached ${user.phone}`);
        const code = codes.at(-1)!;
        const challengeId: string = challenge.body.challengeId;
        const verify = await untilAnswered(
          () => call('verify', 'POST', '/auth/mfa/verify', { body: { challengeId, code }, token: mfaToken, tag }),
          retry,
        );
        if (verify.res.status === 200) {
          flow.sessionId = sidOf(verify.res.body.accessToken);
          latestAccessToken = verify.res.body.accessToken;
        } else {
          flow.endedBy = `verify ${verify.res.status} ${verify.res.body?.code ?? ''}${verify.after503 ? ' after 503' : ''}`;
        }
        return flow;
      } finally {
        flow.endedAt = Date.now();
      }
    };

    const flowLoop = async (loop: number) => {
      const mine = users.slice(loop * USERS_PER_LOOP, (loop + 1) * USERS_PER_LOOP);
      while (running) {
        const user = mine.find((u) => !retired.has(u.userId) && (uses.get(u.userId) ?? 0) < FLOWS_PER_USER);
        if (!user) throw new Error(`loop ${loop} ran out of users (the load needs more of them)`);
        uses.set(user.userId, (uses.get(user.userId) ?? 0) + 1);
        // Round robin among the loop's users.
        mine.push(...mine.splice(mine.indexOf(user), 1));
        await runFlow(user);
        await sleep(PAUSE_MS);
      }
    };

    const meLoop = async () => {
      while (running) {
        if (latestAccessToken) await call('me', 'GET', '/auth/me', { token: latestAccessToken });
        await sleep(PAUSE_MS / 2);
      }
    };
    const readyLoop = async () => {
      while (running) {
        await call('ready', 'GET', '/health/ready');
        await sleep(PAUSE_MS * 2);
      }
    };

    const load = Promise.all([...Array.from({ length: FLOW_LOOPS }, (_, i) => flowLoop(i)), meLoop(), readyLoop()]);
    let loadFailure: unknown = null;
    load.catch((error: unknown) => {
      loadFailure = error;
      running = false;
    });

    // Steady state first: logins work.
    await sleep(2000);
    expect(flows.filter((f) => f.sessionId).length).toBeGreaterThan(0);

    await proxy!.cut();
    const downAt = Date.now();
    await sleep(OUTAGE_MS);
    const restartAt = Date.now();
    await proxy!.restore();
    const backAt = Date.now();

    // A whole login, every step of it sent after the database came back, succeeds within the budget.
    let recoveredAt: number | null = null;
    const probeOutcomes: string[] = [];
    while (recoveredAt === null && Date.now() - backAt < 5000) {
      const user = probeUsers.find((u) => !retired.has(u.userId) && (uses.get(u.userId) ?? 0) < FLOWS_PER_USER);
      if (!user) break;
      uses.set(user.userId, (uses.get(user.userId) ?? 0) + 1);
      // Each try from the start, without retrying a step: the first one that works end to end counts.
      const flow = await runFlow(user, false);
      const steps = observed.filter((o) => o.tag === flow.tag).map((o) => `${o.route} ${o.status} ${o.endedAt - o.startedAt} ms`);
      probeOutcomes.push(`${flow.startedAt - backAt} ms: ${flow.sessionId ? 'verified' : flow.endedBy} (${steps.join(', ')})`);
      if (flow.sessionId) recoveredAt = Date.now();
      else await sleep(50);
    }

    // The load goes on a little after the recovery, then stops.
    await sleep(3000);
    running = false;
    await load.catch(() => undefined);
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
    if (loadFailure) throw loadFailure;
    expect(strays).toEqual([]);

    const at = (o: Observed) =>
      `${o.route} ${o.status} ${o.code ?? ''} at ${o.startedAt - backAt} ms from the return, ${o.endedAt - o.startedAt} ms`;
    const inOutage = observed.filter((o) => o.startedAt >= downAt && o.endedAt <= restartAt);
    const serverErrors = observed.filter((o) => o.status >= 500 && o.status !== 503);
    const logEntries = app.logs
      .flatMap((chunk) => chunk.split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { level: number; msg?: string; context?: string; err?: Record<string, unknown>; res?: { statusCode?: number } });
    // What the filter could not place: the error class and message say which connection error it failed to recognise.
    const describeUnhandled = logEntries
      .filter((e) => e.msg === 'unhandled error')
      .map((e) => `${String(e.err?.type)}: ${String(e.err?.message)}`);

    // No 500 at any moment: before, during, at either edge of or after the outage.
    expect({
      serverErrors: serverErrors.map((o) => `${o.route} ${o.status} ${o.code}`),
      unhandled: describeUnhandled,
    }).toEqual({
      serverErrors: [],
      unhandled: [],
    });

    // Every request sent while the database was away was answered at once, not held until it came back
    // (or longer): waiting for a connection that cannot come is the outage made worse.
    const held = observed.filter(
      (o) => o.startedAt >= downAt && o.startedAt < restartAt && o.endedAt - o.startedAt > ANSWER_WITHIN_MS,
    );
    expect(held.map(at)).toEqual([]);

    // The load was real during the outage: logins (whichever step each was at), /auth/me and readiness, many times each.
    const flowSteps = new Set(['login', 'challenge', 'verify']);
    expect(inOutage.filter((o) => flowSteps.has(o.route)).length).toBeGreaterThan(10);
    for (const route of ['me', 'ready']) expect(inOutage.filter((o) => o.route === route).length).toBeGreaterThan(10);

    // While the database was away: 503 problem+json with Retry-After, and nothing else.
    const wrong = inOutage.filter(
      (o) =>
        o.status !== 503 ||
        o.code !== (o.route === 'ready' ? 'UNAVAILABLE' : 'SERVICE_UNAVAILABLE') ||
        !o.contentType?.startsWith('application/problem+json') ||
        !(Number(o.retryAfter) > 0),
    );
    expect(wrong.map((o) => `${o.route} ${o.status} ${o.code} retry-after=${o.retryAfter}`)).toEqual([]);

    // Logged once for the outage, not once per refused request (nor once per outbox pass). The access log's
    // line per 5xx response and terminus's line per failed readiness check are not the app's own errors.
    const outageLines = logEntries.filter((e) => e.msg === 'database unavailable: answering 503');
    expect(outageLines.map((e) => e.level)).toEqual([50]);
    // The access log has each 503 as a warning, not as an error.
    const accessLog = logEntries.filter((e) => e.res?.statusCode === 503);
    expect(accessLog.length).toBeGreaterThan(0);
    expect(accessLog.filter((e) => e.level !== 40).map((e) => `${e.level} ${e.msg}`)).toEqual([]);
    // Terminus's own line per failed readiness check is not the app's.
    const ownErrors = logEntries
      .filter((e) => e.level >= 50 && !e.msg?.startsWith('Health Check has failed'))
      .map((e) => `${e.context}: ${e.msg}`);
    const perKind = new Map<string, number>();
    for (const line of ownErrors) perKind.set(line, (perKind.get(line) ?? 0) + 1);
    expect([...perKind].filter(([, n]) => n > 2)).toEqual([]);

    // Recovered within 2 s of the database's return.
    expect({ recovered: recoveredAt !== null, probes: probeOutcomes }).toMatchObject({ recovered: true });
    // (What each login tried since the return did is in the message when this fails.)
    const recovery = { withinBudget: recoveredAt! - backAt <= RECOVERY_BUDGET_MS, afterMs: recoveredAt! - backAt, probes: probeOutcomes };
    expect(recovery).toMatchObject({ withinBudget: true });
    // And every flow that began once the database was back ran through without a single refusal.
    const afterRecovery = flows.filter((f) => f.startedAt >= backAt + RECOVERY_BUDGET_MS && f.endedAt! < Date.now());
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(afterRecovery.filter((f) => !f.sessionId).map((f) => `${f.tag}: ${f.endedBy}`)).toEqual([]);
    expect(observed.filter((o) => o.startedAt >= backAt + RECOVERY_BUDGET_MS && o.status >= 400).map(at)).toEqual([]);

    // A refusal other than 503 only where a retry found its earlier, 503-answered request had gone through.
    const refused = flows.filter((f) => !f.sessionId && f.endedBy && !/ 503$/.test(f.endedBy));
    for (const f of refused)
      expect(f.endedBy).toMatch(/^verify (409 MFA_CHALLENGE_USED|401 MFA_TOKEN_INVALID) after 503$/);

    // Nothing counted twice: a code verified at most once, a login attempt (one flow, one mfaToken) one session at most.
    const verified = await app.db.query(
      `SELECT metadata->>'challengeId' AS challenge_id, count(*)::int AS n FROM audit_events WHERE type = 'mfa.code.verified' GROUP BY 1`,
    );
    expect(verified.rows.filter((r) => r.n !== 1)).toEqual([]);
    const consumed = await app.db.query(
      `SELECT id FROM sms_challenges WHERE consumed_at IS NOT NULL AND purpose = 'login'`,
    );
    expect(new Set(verified.rows.map((r) => r.challenge_id))).toEqual(
      new Set([...consumed.rows.map((r) => r.id), ...(await enrolmentChallenges(app))]),
    );
    const sessions = await app.db.query(
      `SELECT user_agent, array_agg(id::text) AS ids FROM sessions WHERE user_agent LIKE 'outage-flow-%' AND aal = 'aal2' GROUP BY 1`,
    );
    const sessionsByFlow = new Map<string, string[]>(sessions.rows.map((r) => [r.user_agent, r.ids]));
    expect([...sessionsByFlow].filter(([, ids]) => ids.length > 1)).toEqual([]);
    for (const flow of flows) {
      if (flow.sessionId) expect(sessionsByFlow.get(flow.tag)).toEqual([flow.sessionId]);
      else if (!flow.endedBy?.includes('after 503')) expect(sessionsByFlow.get(flow.tag)).toBeUndefined();
    }
    const attempts = await app.db.query(
      `SELECT count(*)::int AS n FROM login_attempts a WHERE a.consumed_at IS NOT NULL AND a.purpose = 'login'`,
    );
    expect(attempts.rows[0].n).toBe(sessions.rows.length);

    const summary = {
      flows: flows.length,
      verified: flows.filter((f) => f.sessionId).length,
      requestsInOutage: inOutage.length,
      recoveredAfterMs: recoveredAt! - backAt,
      outageLogLines: outageLines.length,
      probes: probeOutcomes,
    };
    process.stdout.write(`database outage: ${JSON.stringify(summary)}\n`);
  }, 60_000);
});

/** Challenges of the enrolments (activation), which are verified too but are not logins. */
async function enrolmentChallenges(t: SmsTestApp): Promise<string[]> {
  const { rows } = await t.db.query(
    `SELECT id FROM sms_challenges WHERE consumed_at IS NOT NULL AND purpose <> 'login'`,
  );
  return rows.map((r) => r.id);
}
