import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { rowsOf } from '../database/query-result.js';
import { maskPhoneNumber } from '../sms/phone-number.js';
import { FactorDirectory, type FactorSummary } from './factor-directory.js';
import type { FactorType } from './factor-type.js';
import { Factor } from './factor.entity.js';

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

/** Persistence of factors; rules about who may do what live in the factor services. */
@Injectable()
export class MfaFactorsService extends FactorDirectory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
  ) {
    super();
  }

  async listActive(userId: string): Promise<FactorSummary[]> {
    const factors = await this.dataSource.manager.find(Factor, {
      where: { userId, status: 'active' },
      order: { createdAt: 'ASC' },
    });
    return factors.map((f) => ({ id: f.id, type: f.type, label: f.label }));
  }

  listForUser(userId: string): Promise<Factor[]> {
    return this.dataSource.manager.find(Factor, { where: { userId }, order: { createdAt: 'ASC' } });
  }

  async countActive(userId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    return manager.count(Factor, { where: { userId, status: 'active' } });
  }

  /** The factor if it belongs to this user; null otherwise (callers answer 404 either way). */
  async findOwned(userId: string, factorId: string, manager: EntityManager = this.dataSource.manager): Promise<Factor | null> {
    if (!isUuid(factorId)) return null;
    return manager.findOneBy(Factor, { id: factorId, userId });
  }

  async createPendingSms(userId: string, e164: string, country: string, manager: EntityManager): Promise<Factor> {
    const id = randomUUID();
    const factor = manager.create(Factor, {
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
    });
    await manager.insert(Factor, factor);
    return factor;
  }

  /** Pending → active, once. Returns false when it was not pending (already active, or removed). */
  async activate(factorId: string, manager: EntityManager): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `UPDATE mfa_factors SET status = 'active', activated_at = $2 WHERE id = $1 AND status = 'pending' RETURNING id`,
        [factorId, this.clock.now()],
      ),
    );
    return rows.length === 1;
  }

  async touch(factorId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.update(Factor, { id: factorId }, { lastUsedAt: this.clock.now() });
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
  async removeStalePending(userId: string, manager: EntityManager): Promise<void> {
    await manager.delete(Factor, { userId, type: 'sms', status: 'pending' });
  }
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
