import { AuditEvent } from '../audit/audit-event.entity.js';
import { LoginAttempt } from '../sessions/login-attempt.entity.js';
import { RefreshToken } from '../sessions/refresh-token.entity.js';
import { Session } from '../sessions/session.entity.js';
import { SmsChallenge } from '../mfa/factors/sms/sms-challenge.entity.js';
import { RecoveryCode } from '../mfa/factors/recovery-codes/recovery-code.entity.js';
import { TotpSecret } from '../mfa/factors/totp/totp-secret.entity.js';
import { WebauthnChallenge } from '../mfa/factors/webauthn/webauthn-challenge.entity.js';
import { WebauthnCredential } from '../mfa/factors/webauthn/webauthn-credential.entity.js';
import { Factor } from '../mfa/factor.entity.js';
import { MfaFailure } from '../mfa/mfa-failure.entity.js';
import { MfaAttemptBudget } from '../mfa/mfa-attempt-budget.entity.js';
import { EnrollmentGraceRow } from '../mfa/enrollment-grace.entity.js';
import { RateCounter } from '../common/rate-counter.entity.js';
import { PasswordAttemptBudget } from '../login/password-attempt-budget.entity.js';
import { MfaPolicyVersion } from '../policy/mfa-policy-version.entity.js';
import { SmsMessage } from '../sms/sms-message.entity.js';
import { User } from '../users/user.entity.js';

/**
 * Every entity, listed explicitly: the same list works under native ESM, the
 * compiled build and the test runner, where directory globs do not.
 */
export const ENTITIES = [
  User,
  Session,
  RefreshToken,
  LoginAttempt,
  AuditEvent,
  Factor,
  SmsChallenge,
  MfaFailure,
  SmsMessage,
  MfaPolicyVersion,
  TotpSecret,
  RecoveryCode,
  WebauthnCredential,
  WebauthnChallenge,
  MfaAttemptBudget,
  RateCounter,
  PasswordAttemptBudget,
  EnrollmentGraceRow,
];
