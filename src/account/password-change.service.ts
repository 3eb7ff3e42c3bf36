import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { Database } from '../database/database.js';
import { FactorChangePolicyService } from '../mfa/factor-change-policy.service.js';
import { UsersService } from '../users/users.service.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { AccountException } from './account.exception.js';
import { CredentialChangeService } from './credential-change.service.js';

/**
 * A signed-in user changes the password: the current one is needed, and a
 * fresh aal2 session once the user has a second factor (the same rule as a
 * factor change), so a stolen aal1 session cannot take the account over.
 */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly changes: FactorChangePolicyService,
    private readonly credentials: CredentialChangeService,
  ) {}

  async change(principal: AccessPrincipal, currentPassword: string, newPassword: string, meta: RequestMeta): Promise<void> {
    await this.changes.assertMayChange(principal);
    if (!(await this.users.authenticate(principal.user.email, currentPassword))) throw new AccountException('INVALID_CURRENT_PASSWORD');
    const passwordHash = await this.users.hashNewPassword(newPassword, 'newPassword');
    await this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const user = await this.users.replacePasswordHash(tx, principal.userId, passwordHash, now);
      if (!user) throw new AccountException('INVALID_CURRENT_PASSWORD');
      await this.credentials.credentialsChanged(tx, { user, kind: 'password_changed', keepSessionId: principal.sessionId, meta, now });
    });
  }
}
