import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';

/**
 * Account creation. A `phone` given at registration is not trusted as a
 * factor: it becomes one only after the user verifies a code sent to it
 * (security.md: Factors), through the enrolment routes.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async register(input: { email: string; password: string; phone?: string }, meta: RequestMeta): Promise<User> {
    const user = await this.users.register({ email: input.email, password: input.password });
    await this.audit.record({ type: 'user.registered', userId: user.id, meta });
    return user;
  }
}
