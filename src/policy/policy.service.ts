import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { validationFailed } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { DEFAULT_MFA_POLICY, type MfaPolicy } from './mfa-policy.js';
import { MfaPolicyVersion } from './mfa-policy-version.entity.js';
import { validatePolicyDocument, type MfaPolicyDocument } from './policy-validation.js';

/**
 * How long one process keeps the policy it read. Every instance re-reads the
 * newest version at least this often, so an admin's change is in force
 * everywhere within about a second, without a restart or a message bus; the
 * instance that made the change sees it at once.
 */
export const POLICY_CACHE_TTL_MS = 1000;

const MAX_HISTORY = 100;

/** `{ 'sms.codeLength': { from: 6, to: 8 } }`: every leaf that differs; arrays count as one leaf. */
export type PolicyChanges = Record<string, { from: unknown; to: unknown }>;

export interface PolicyVersionRecord {
  policy: MfaPolicy;
  createdBy: string | null;
  createdAt: Date;
}

/** The MFA policy in force: the newest stored version, or the built-in default before any change. */
@Injectable()
export class PolicyService {
  private cached: { policy: MfaPolicy; expiresAt: number } | null = null;
  private loading: Promise<MfaPolicy> | null = null;
  /** Bumped by every local change, so a read that started before it cannot put the old policy back in the cache. */
  private generation = 0;

  constructor(
    @InjectRepository(MfaPolicyVersion) private readonly versions: Repository<MfaPolicyVersion>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Called on every login and by the guards; at most one database read per second per process. */
  async current(): Promise<MfaPolicy> {
    if (this.cached && this.clock.now().getTime() < this.cached.expiresAt) return this.cached.policy;
    // Concurrent callers share one read instead of each hitting the database when the cache expires.
    this.loading ??= this.load();
    return this.loading;
  }

  /**
   * Replaces the whole policy (api.md: PUT /admin/mfa/policy). An invalid
   * document is refused with VALIDATION_FAILED and nothing is stored.
   */
  async replace(input: unknown, actor: { userId: string }, meta: RequestMeta): Promise<MfaPolicy> {
    const result = validatePolicyDocument(input);
    if (!result.ok) throw validationFailed(result.errors);
    const document = result.document;

    const policy = await this.versions.manager.transaction(async (manager) => {
      // Serialises writers only (readers take a weaker lock and are not blocked), so
      // concurrent changes get consecutive versions, each diffed against the one
      // before it. The primary key would refuse a duplicate version regardless.
      await manager.query(`LOCK TABLE "mfa_policy_versions" IN SHARE ROW EXCLUSIVE MODE`);
      const [latest] = await manager.find(MfaPolicyVersion, { order: { version: 'DESC' }, take: 1 });
      const previous = latest ? toPolicy(latest) : DEFAULT_MFA_POLICY;
      const row = manager.create(MfaPolicyVersion, {
        version: previous.version + 1,
        document,
        createdBy: actor.userId,
        createdAt: this.clock.now(),
      });
      await manager.insert(MfaPolicyVersion, row);
      await this.audit.record(
        {
          type: 'mfa.policy.changed',
          actorId: actor.userId,
          meta,
          metadata: { version: row.version, previousVersion: previous.version, changes: diffPolicies(withoutVersion(previous), document) },
        },
        manager,
      );
      return toPolicy(row);
    });

    this.invalidate();
    return policy;
  }

  /** Stored versions, newest first (the default, version 0, is never stored). */
  async history(limit = 20): Promise<PolicyVersionRecord[]> {
    const take = Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_HISTORY);
    const rows = await this.versions.find({ order: { version: 'DESC' }, take });
    return rows.map((row) => ({ policy: toPolicy(row), createdBy: row.createdBy, createdAt: row.createdAt }));
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
      if (generation === this.generation) this.cached = { policy, expiresAt: startedAt + POLICY_CACHE_TTL_MS };
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
