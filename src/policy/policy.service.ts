import { Injectable } from '@nestjs/common';
import { DEFAULT_MFA_POLICY, type MfaPolicy } from './mfa-policy.js';

/** The MFA policy in force. */
@Injectable()
export class PolicyService {
  async current(): Promise<MfaPolicy> {
    return DEFAULT_MFA_POLICY;
  }
}
