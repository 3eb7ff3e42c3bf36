import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { Database, type Sql } from '../database/database.js';
import { maskPhoneNumber } from '../sms/phone-number.js';
import { FactorDirectory, type FactorSummary } from './factor-directory.js';
import type { FactorType } from '../vocabulary/factor-type.js';
import type { Factor } from './factor.entity.js';
import { FactorsRepository } from './factors.repository.js';

/** A factor as the owner (or an admin) sees it. */
export interface FactorView {
  id: string;
  type: FactorType;
  label: string;
  status: 'pending' | 'active';
  createdAt: string;
  lastUsedAt: string | null;
}

export function toFactorView(factor: Factor): FactorView {
  return {
    id: factor.id,
    type: factor.type,
    label: factor.label,
    status: factor.status,
    createdAt: factor.createdAt.toISOString(),
    lastUsedAt: factor.lastUsedAt?.toISOString() ?? null,
  };
}

const PHONE_HASH_CONTEXT = 'phone';

/** Factors as the rest of the app uses them; the SQL is FactorsRepository's, the sealing of numbers is here. */
@Injectable()
export class MfaFactorsService extends FactorDirectory {
  constructor(
    private readonly db: Database,
    private readonly repository: FactorsRepository,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
  ) {
    super();
  }

  async listActive(userId: string, sql: Sql = this.db): Promise<FactorSummary[]> {
    const factors = await this.repository.listForUser(sql, userId, { activeOnly: true });
    return factors.map((f) => ({ id: f.id, type: f.type, label: f.label }));
  }

  listForUser(userId: string, sql: Sql = this.db): Promise<Factor[]> {
    return this.repository.listForUser(sql, userId);
  }

  activeTypesOf(userIds: readonly string[], sql: Sql = this.db): Promise<Map<string, FactorType[]>> {
    return this.repository.activeTypesOf(sql, userIds);
  }

  countActive(userId: string, sql: Sql = this.db): Promise<number> {
    return this.repository.countActive(sql, userId);
  }

  /** The factor if it belongs to this user; null otherwise (callers answer 404 either way). */
  async findOwned(userId: string, factorId: string, sql: Sql = this.db): Promise<Factor | null> {
    if (!isUUID(factorId)) return null;
    return this.repository.findOwned(sql, userId, factorId);
  }

  async createPendingSms(userId: string, e164: string, country: string, sql: Sql): Promise<Factor> {
    const id = randomUUID();
    const factor: Factor = {
      id,
      userId,
      type: 'sms',
      status: 'pending',
      label: maskPhoneNumber(e164),
      phoneCiphertext: this.secrets.seal(e164, `factor:${id}`),
      phoneHash: this.phoneHash(e164),
      phoneCountry: country,
      createdAt: this.clock.now(),
      activatedAt: null,
      lastUsedAt: null,
    };
    await this.repository.insert(sql, factor);
    return factor;
  }

  /** Pending → active, once. Returns false when it was not pending (already active, or removed). */
  activate(factorId: string, sql: Sql): Promise<boolean> {
    return this.repository.activate(sql, factorId, this.clock.now());
  }

  touch(factorId: string, sql: Sql = this.db): Promise<void> {
    return this.repository.touch(sql, factorId, this.clock.now());
  }

  /** The stored, verified number of an SMS factor: the only destination a code is ever sent to. */
  phoneOf(factor: Factor): string {
    if (factor.type !== 'sms' || !factor.phoneCiphertext) throw new Error(`factor ${factor.id} has no phone number`);
    return this.secrets.open(factor.phoneCiphertext, `factor:${factor.id}`);
  }

  phoneHash(e164: string): string {
    return this.secrets.lookupHash(e164, PHONE_HASH_CONTEXT);
  }

  /** Pending SMS factors a user abandoned: removed when they start over, so they do not pile up. */
  async removeStalePending(userId: string, sql: Sql): Promise<void> {
    await this.repository.deleteForUser(sql, userId, { type: 'sms', status: 'pending' });
  }
}

