import { isDeepStrictEqual } from 'node:util';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { validationFailed } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { DEFAULT_MFA_POLICY, type MfaPolicy } from './mfa-policy.js';
import { effectiveRuleFor, type EffectiveRule, type PolicySubject } from './policy-rules.js';
import { MfaPolicyVersion } from './mfa-policy-version.entity.js';
import { PolicyException } from './policy.exception.js';
import { validatePolicyDocument, type MfaPolicyDocument } from './policy-validation.js';

/**
 * How long one process keeps the policy it read while it cannot hear change
 * notifications (its listening connection is down): every instance then
 * re-reads the newest version at least this often, so an admin's change is in
 * force everywhere within about a second either way.
 */
export const POLICY_CACHE_TTL_MS = 1000;
/** While notifications arrive, a re-read this often only guards against one lost in transit. */
const LISTENING_CACHE_TTL_MS = 60_000;
/** The channel a policy change is announced on (LISTEN/NOTIFY), to every instance sharing the database. */
const CHANNEL = 'sesame_mfa_policy';

const MAX_HISTORY = 100;
const { Client } = pg;
type Client = InstanceType<typeof pg.Client>;

export interface PolicyWarning {
  code: 'FACTOR_NO_LONGER_ALLOWED';
  factorType: string;
  affectedUsers: number;
  detail: string;
}

/** `{ 'sms.codeLength': { from: 6, to: 8 } }`: every leaf that differs; arrays count as one leaf. */
export type PolicyChanges = Record<string, { from: unknown; to: unknown }>;

export interface PolicyVersionRecord {
  policy: MfaPolicy;
  createdBy: string | null;
  createdAt: Date;
}

/** One version as the history route shows it: the document, who wrote it, and what it changed. */
export interface PolicyVersionDetails {
  version: number;
  /** Null for version 0, the built-in default. */
  createdBy: string | null;
  createdAt: string | null;
  /** The version this one was restored from by a rollback, if it was. */
  restoredFrom: number | null;
  previousVersion: number | null;
  /** Against the previous version (empty for version 0). */
  changes: PolicyChanges;
  policy: MfaPolicy;
}

export interface PolicyVersionPage {
  items: Array<Omit<PolicyVersionDetails, 'policy' | 'previousVersion'>>;
  /** Pass as `cursor` for older versions; null on the last page. */
  nextCursor: string | null;
}

/** `If-Match` on PUT: the version the admin read, which must still be the newest. */
export type ExpectedVersion = number | 'any';

/** The MFA policy in force: the newest stored version, or the built-in default before any change. */
@Injectable()
export class PolicyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Policy');
  private cached: { policy: MfaPolicy; readAt: number } | null = null;
  private listener: Client | null = null;
  private listening = false;
  private stopped = false;
  private loading: Promise<MfaPolicy> | null = null;
  /** Bumped by every local change, so a read that started before it cannot put the old policy back in the cache. */
  private generation = 0;

  constructor(
    @InjectRepository(MfaPolicyVersion) private readonly versions: Repository<MfaPolicyVersion>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    await this.listener?.end().catch(() => undefined);
  }

  /**
   * Called on every login and by the guards: served from memory. A change on
   * any instance is announced with NOTIFY and drops every instance's copy at
   * once; without the listening connection, at most one read per second.
   */
  async current(): Promise<MfaPolicy> {
    const ttl = this.listening ? LISTENING_CACHE_TTL_MS : POLICY_CACHE_TTL_MS;
    if (this.cached && this.clock.now().getTime() < this.cached.readAt + ttl) return this.cached.policy;
    // Concurrent callers share one read instead of each hitting the database when the cache expires.
    this.loading ??= this.load();
    return this.loading;
  }

  /** The rule of the policy in force that applies to this user: in memory, no statement. */
  async ruleFor(subject: PolicySubject): Promise<EffectiveRule> {
    return effectiveRuleFor(await this.current(), subject);
  }

  /**
   * Replaces the whole policy (api.md: PUT /admin/mfa/policy). An invalid
   * document is refused with VALIDATION_FAILED and nothing is stored.
   */
  async replace(input: unknown, actor: { userId: string }, meta: RequestMeta, expected: ExpectedVersion = 'any'): Promise<MfaPolicy> {
    const result = validatePolicyDocument(input);
    if (!result.ok) throw validationFailed(result.errors);
    return this.write(result.document, actor, meta, { expected, restoredFrom: null });
  }

  /**
   * Makes a new version whose document is that of `version` (api.md: POST
   * /admin/mfa/policy/rollback): history is never rewritten, so the rollback
   * itself is a change with its own version, diff and audit event.
   */
  async rollback(version: number, actor: { userId: string }, meta: RequestMeta): Promise<MfaPolicy> {
    const old = await this.storedDocument(version);
    if (!old) throw new PolicyException('NOT_FOUND', { detail: `No policy version ${version}.` });
    return this.write(old, actor, meta, { expected: 'any', restoredFrom: version });
  }

  /** Versions newest first, `limit` at a time, from before the version named by `cursor`. */
  async versionsPage(query: { cursor?: string; limit?: number }): Promise<PolicyVersionPage> {
    const limit = Math.min(Math.max(query.limit ?? 20, 1), MAX_HISTORY);
    const before = query.cursor === undefined ? null : Number(query.cursor);
    if (before !== null && !(Number.isSafeInteger(before) && before > 0 && String(before) === query.cursor)) {
      throw validationFailed([{ field: 'cursor', message: 'must be a cursor from a previous page' }]);
    }
    const rows: Array<MfaPolicyVersion & { previous: MfaPolicyVersion['document'] | null }> = await this.versions.manager.query(
      `SELECT v.version, v.document, v.created_by AS "createdBy", v.created_at AS "createdAt", v.restored_from AS "restoredFrom",
              (SELECT p.document FROM mfa_policy_versions p WHERE p.version < v.version ORDER BY p.version DESC LIMIT 1) AS previous
         FROM mfa_policy_versions v
        WHERE ($1::int IS NULL OR v.version < $1)
        ORDER BY v.version DESC
        LIMIT $2`,
      [before, limit + 1],
    );
    const page = rows.slice(0, limit).map((row) => {
      const { policy: _policy, previousVersion: _previous, ...item } = this.details(row, row.previous);
      return item;
    });
    // Version 0, the built-in default, ends the history.
    const reachesStart = rows.length <= limit;
    if (reachesStart) {
      const { policy: _policy, previousVersion: _previous, ...item } = defaultDetails();
      page.push(item);
    }
    const last = page[page.length - 1];
    return { items: page, nextCursor: !reachesStart && last ? String(last.version) : null };
  }

  /** One version with its diff against the one before it. */
  async versionDetails(version: number): Promise<PolicyVersionDetails> {
    if (version === 0) return defaultDetails();
    const rows: Array<MfaPolicyVersion & { previous: MfaPolicyVersion['document'] | null; previousVersion: number | null }> =
      await this.versions.manager.query(
        `SELECT v.version, v.document, v.created_by AS "createdBy", v.created_at AS "createdAt", v.restored_from AS "restoredFrom",
                p.document AS previous, p.version AS "previousVersion"
           FROM mfa_policy_versions v
           LEFT JOIN LATERAL (SELECT version, document FROM mfa_policy_versions WHERE version < v.version ORDER BY version DESC LIMIT 1) p ON true
          WHERE v.version = $1`,
        [version],
      );
    const row = rows[0];
    if (!row) throw new PolicyException('NOT_FOUND', { detail: `No policy version ${version}.` });
    return this.details(row, row.previous, row.previousVersion ?? 0);
  }

  private details(row: MfaPolicyVersion, previous: MfaPolicyVersion['document'] | null, previousVersion = row.version - 1): PolicyVersionDetails {
    const policy = toPolicy(row);
    const before = previous ? withoutVersion(toPolicy({ ...row, document: previous })) : withoutVersion(DEFAULT_MFA_POLICY);
    return {
      version: row.version,
      createdBy: row.createdBy,
      createdAt: new Date(row.createdAt).toISOString(),
      restoredFrom: row.restoredFrom ?? null,
      previousVersion: previous ? previousVersion : 0,
      changes: diffPolicies(before, withoutVersion(policy)),
      policy,
    };
  }

  private async storedDocument(version: number): Promise<MfaPolicyDocument | null> {
    if (version === 0) return withoutVersion(DEFAULT_MFA_POLICY);
    const row = await this.versions.findOne({ where: { version } });
    return row ? row.document : null;
  }

  private async write(
    document: MfaPolicyDocument,
    actor: { userId: string },
    meta: RequestMeta,
    options: { expected: ExpectedVersion; restoredFrom: number | null },
  ): Promise<MfaPolicy> {
    const policy = await this.versions.manager.transaction(async (manager) => {
      // Serialises writers only (readers take a weaker lock and are not blocked), so
      // concurrent changes get consecutive versions, each diffed against the one
      // before it. The primary key would refuse a duplicate version regardless.
      await manager.query(`LOCK TABLE "mfa_policy_versions" IN SHARE ROW EXCLUSIVE MODE`);
      const [latest] = await manager.find(MfaPolicyVersion, { order: { version: 'DESC' }, take: 1 });
      const previous = latest ? toPolicy(latest) : DEFAULT_MFA_POLICY;
      // Checked under the writers' lock, so two admins who read the same version cannot both write over it.
      if (options.expected !== 'any' && options.expected !== previous.version) {
        throw new PolicyException('PRECONDITION_FAILED', {
          detail: `The policy is at version ${previous.version}, not ${options.expected}: read it again and repeat the change.`,
          extensions: { currentVersion: previous.version },
        });
      }
      const row = manager.create(MfaPolicyVersion, {
        version: previous.version + 1,
        document,
        restoredFrom: options.restoredFrom,
        createdBy: actor.userId,
        createdAt: this.clock.now(),
      });
      await manager.insert(MfaPolicyVersion, row);
      // Delivered to every listening instance when this transaction commits.
      await manager.query(`SELECT pg_notify($1, $2)`, [CHANNEL, String(row.version)]);
      const changes = diffPolicies(withoutVersion(previous), document);
      await this.audit.record(
        options.restoredFrom === null
          ? { type: 'mfa.policy.changed', actorId: actor.userId, meta, metadata: { version: row.version, previousVersion: previous.version, changes } }
          : {
              type: 'mfa.policy.rolled_back',
              actorId: actor.userId,
              meta,
              metadata: { version: row.version, previousVersion: previous.version, restoredVersion: options.restoredFrom, changes },
            },
        manager,
      );
      return toPolicy(row);
    });

    this.invalidate();
    return policy;
  }

  /**
   * What a policy leaves behind: users whose only factors are of types it no
   * longer allows. They still pass a second factor with them (grandfathered,
   * see assurance.ts) until they enrol an allowed one; the admin is told how many.
   */
  async warningsFor(policy: MfaPolicy): Promise<PolicyWarning[]> {
    const rows: Array<{ type: string; users: number }> = await this.versions.manager.query(
      `SELECT f.type, count(DISTINCT f.user_id)::int AS users
         FROM mfa_factors f
        WHERE f.status = 'active' AND f.type <> 'recovery_code' AND NOT (f.type = ANY($1::text[]))
          AND NOT EXISTS (SELECT 1 FROM mfa_factors g
                           WHERE g.user_id = f.user_id AND g.status = 'active' AND g.type <> 'recovery_code' AND g.type = ANY($1::text[]))
        GROUP BY f.type ORDER BY f.type`,
      [policy.allowedFactors],
    );
    return rows.map((r) => ({
      code: 'FACTOR_NO_LONGER_ALLOWED' as const,
      factorType: r.type,
      affectedUsers: r.users,
      detail: `${r.users} user(s) have only ${r.type} factors, which this policy does not allow: they keep using them until they enrol an allowed factor.`,
    }));
  }

  /** Stored versions, newest first (the default, version 0, is never stored). */
  async history(limit = 20): Promise<PolicyVersionRecord[]> {
    const take = Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_HISTORY);
    const rows = await this.versions.find({ order: { version: 'DESC' }, take });
    return rows.map((row) => ({ policy: toPolicy(row), createdBy: row.createdBy, createdAt: row.createdAt }));
  }

  /** A connection of its own that LISTENs for changes; re-opened after a failure, polling meanwhile. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const options = this.versions.manager.connection.options as { url?: string };
    const client = new Client({ connectionString: options.url });
    const retry = () => {
      if (this.listener !== client) return;
      this.listening = false;
      this.listener = null;
      client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.listen(), 1000).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.invalidate());
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // Anything changed while not listening is read afresh.
      this.invalidate();
      this.listening = true;
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot listen for policy changes; re-reading the policy every second');
      retry();
    }
  }

  private invalidate(): void {
    this.generation++;
    this.cached = null;
    this.loading = null;
  }

  private async load(): Promise<MfaPolicy> {
    const generation = this.generation;
    // Measured from before the read, so a cached policy is never more than the TTL older than the database.
    const startedAt = this.clock.now().getTime();
    try {
      const [latest] = await this.versions.find({ order: { version: 'DESC' }, take: 1 });
      const policy = latest ? toPolicy(latest) : DEFAULT_MFA_POLICY;
      if (generation === this.generation) this.cached = { policy, readAt: startedAt };
      return policy;
    } finally {
      if (generation === this.generation) this.loading = null;
    }
  }
}

/**
 * A stored version as the policy in force. Fields missing from an older row
 * (one written before a field existed) take the default's value, so adding a
 * policy field never needs a data migration. Frozen: every caller shares it.
 */
function toPolicy(row: MfaPolicyVersion): MfaPolicy {
  const { version: _default, ...defaults } = DEFAULT_MFA_POLICY;
  return deepFreeze({
    version: row.version,
    ...defaults,
    ...row.document,
    sms: { ...defaults.sms, ...row.document.sms },
  });
}

function defaultDetails(): PolicyVersionDetails {
  return { version: 0, createdBy: null, createdAt: null, restoredFrom: null, previousVersion: null, changes: {}, policy: DEFAULT_MFA_POLICY };
}

function withoutVersion(policy: MfaPolicy): MfaPolicyDocument {
  const { version: _version, ...document } = policy;
  return document;
}

/** The leaf fields that differ between two documents, by dotted path. */
export function diffPolicies(before: MfaPolicyDocument, after: MfaPolicyDocument): PolicyChanges {
  const changes: PolicyChanges = {};
  const walk = (from: unknown, to: unknown, path: string) => {
    if (isRecord(from) && isRecord(to)) {
      for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
        walk(from[key], to[key], path ? `${path}.${key}` : key);
      }
    } else if (!isDeepStrictEqual(from, to)) {
      changes[path] = { from: from ?? null, to: to ?? null };
    }
  };
  walk(before, after, '');
  return changes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
