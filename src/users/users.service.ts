import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CommonException, validationFailed } from '../common/errors/problem.exception.js';
import type { Role } from '../vocabulary/role.js';
import { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-rules.js';
import { User } from './user.entity.js';

/** One spelling per mailbox: Unicode NFKC, trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

  async register(input: { email: string; password: string; roles?: Role[]; locale?: string | null }): Promise<User> {
    const problem = passwordProblem(input.password);
    if (problem) throw validationFailed([{ field: 'password', message: problem }]);
    const email = normaliseEmail(input.email);
    const passwordHash = await this.hasher.hash(input.password);
    const user = this.users.create({
      id: randomUUID(),
      email,
      passwordHash,
      roles: input.roles ?? [],
      locale: input.locale ?? null,
    });
    // Insert-or-nothing, so two concurrent registrations cannot both win.
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values(user)
      .orIgnore()
      .returning(['id'])
      .execute();
    if (result.raw.length === 0) throw new CommonException('CONFLICT', { detail: 'This email is already registered.' });
    return user;
  }

  /**
   * The user whose password matches, or null — with the same cost whether the
   * email is unknown or the password is wrong (security.md: no account oracle).
   */
  async authenticate(email: string, password: string): Promise<User | null> {
    const user = await this.users.findOne({ where: { email: normaliseEmail(email) } });
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    return ok && user ? user : null;
  }

  /** Every user, `limit` at a time in id order after `afterId`: what a policy rule is matched on, nothing more. */
  async pageForPolicy(afterId: string | null, limit: number): Promise<Array<{ id: string; roles: Role[]; groups: string[] }>> {
    const query = this.users.createQueryBuilder('u').select(['u.id', 'u.roles', 'u.groups']).orderBy('u.id', 'ASC').limit(limit);
    if (afterId) query.where('u.id > :afterId', { afterId });
    return query.getMany();
  }

  /** These users, with what a policy rule is matched on. */
  async subjectsOf(ids: readonly string[]): Promise<Array<{ id: string; roles: Role[]; groups: string[] }>> {
    if (ids.length === 0) return [];
    return this.users.createQueryBuilder('u').select(['u.id', 'u.roles', 'u.groups']).where('u.id IN (:...ids)', { ids }).orderBy('u.id', 'ASC').getMany();
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOne({ where: { email: normaliseEmail(email) } });
  }
}
