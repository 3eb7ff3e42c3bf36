import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { AppConfig } from '../config/app-config.js';
import type { User } from './user.entity.js';
import { UsersService } from './users.service.js';

/**
 * The first administrator. On start, BOOTSTRAP_ADMIN_EMAIL/PASSWORD create
 * one when no admin exists; `npm run admin:create` does the same by hand.
 * An existing account is never promoted: whoever registered that email first
 * would otherwise become an admin with their own password.
 */
@Injectable()
export class AdminAccountsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminAccounts');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const wanted = this.config.bootstrapAdmin;
    if (!wanted || (await this.adminExists())) return;
    const result = await this.createAdmin(wanted.email, wanted.password, 'bootstrap');
    this.logger.log(result.created ? 'bootstrap admin created' : `bootstrap admin not created: ${result.reason}`);
  }

  async adminExists(): Promise<boolean> {
    const [row] = await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM users WHERE 'admin' = ANY(roles)) AS exists`);
    return row.exists === true;
  }

  async createAdmin(email: string, password: string, source: 'bootstrap' | 'cli'): Promise<{ created: true; user: User } | { created: false; reason: string }> {
    if (await this.users.findByEmail(email)) return { created: false, reason: 'an account with this email already exists' };
    const user = await this.users.register({ email, password, roles: ['admin'] });
    await this.audit.record({ type: 'admin.created', userId: user.id, metadata: { source } });
    return { created: true, user };
  }
}
