import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../database/database.js';
import { AuditService } from '../../../audit/audit.service.js';
import { validationFailed, type FieldError } from '../../../common/errors/problem.exception.js';
import type { RequestMeta } from '../../../common/http/request-meta.js';
import { mfaVerificationsTotal } from '../../mfa-metrics.js';
import { AccountLimitService } from '../../account-limit.service.js';
import type { Factor } from '../../factor.entity.js';
import { MfaException } from '../../mfa.exception.js';
import type { FactorContext, MfaFactor, SecondFactorProof, VerifyInput } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { bindingOf } from '../../challenge-binding.js';
import { WebauthnChallengesService } from './webauthn-challenges.service.js';
import { WebauthnCredentialsService, toStored } from './webauthn-credentials.service.js';
import { WebauthnRelyingPartyService } from './webauthn-relying-party.service.js';
import { amrOf, readAuthenticationResponse, type CeremonyFailure } from './webauthn-response.js';

export interface WebauthnChallengeView {
  challengeId: string;
  factorId: string;
  type: 'webauthn';
  expiresAt: string;
  /** PublicKeyCredentialRequestOptionsJSON, for `navigator.credentials.get()`. */
  options: object;
}

/**
 * Passkeys, security keys and platform authenticators (WebAuthn L3 §7.2).
 * RFC 8176 amr `hwk` for a device-bound key, `swk` for one that may be
 * synced. A challenge asks for the factor's one credential and is spent
 * before its answer is checked, so each answer gets exactly one try.
 */
@Injectable()
export class WebauthnFactor implements MfaFactor {
  readonly type = 'webauthn' as const;

  constructor(
    private readonly challenges: WebauthnChallengesService,
    private readonly credentials: WebauthnCredentialsService,
    private readonly relyingParty: WebauthnRelyingPartyService,
    private readonly factors: MfaFactorsService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
  ) {}

  async startChallenge(factor: Factor, context: FactorContext): Promise<WebauthnChallengeView> {
    const credential = await this.credentials.findByFactor(factor.id);
    if (!credential) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    const options = await this.relyingParty.authenticationOptions(toStored(credential));
    const challenge = await this.challenges.create({
      purpose: 'authenticate',
      challenge: options.challenge,
      factorId: factor.id,
      binding: bindingOf(context.principal),
    });
    return { challengeId: challenge.id, factorId: factor.id, type: 'webauthn', expiresAt: challenge.expiresAt.toISOString(), options };
  }

  /** A verify body with a challenge id and a credential is a WebAuthn assertion. */
  answers(input: VerifyInput): boolean {
    return typeof input.challengeId === 'string' && input.credential !== undefined;
  }

  challengeState(challengeId: string, context: FactorContext): Promise<'none' | 'open' | 'consumed'> {
    return this.challenges.state(challengeId, context.user.id);
  }

  async verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, credential } = requireAssertion(input);
    const response = readAuthenticationResponse(credential);
    const binding = bindingOf(context.principal);
    const { userId } = binding;
    await this.accountLimit.reserve(userId, binding.attemptId, context.meta);
    const challenge = await this.challenges.findBound(challengeId, binding);
    // Another user's challenge, or one from another login attempt, does not exist for this caller.
    if (!challenge?.factorId) throw new MfaException('NOT_FOUND', { detail: 'No such challenge.' });

    // Spent before the answer is checked (security.md: single use), so a failed or replayed answer cannot be retried.
    const spent = await this.challenges.consume(challenge);
    switch (spent.status) {
      case 'used':
        throw new MfaException('MFA_CHALLENGE_USED');
      case 'expired':
        throw new MfaException('MFA_CHALLENGE_EXPIRED');
      case 'missing':
        throw new MfaException('NOT_FOUND', { detail: 'No such challenge.' });
      case 'consumed':
        break;
    }

    const factor = await this.factors.findOwned(userId, challenge.factorId);
    const stored = factor?.status === 'active' && factor.type === 'webauthn' ? await this.credentials.findByFactor(factor.id) : null;
    // A factor removed since the challenge began cannot complete a login.
    if (!factor || !stored) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });

    const outcome = await this.relyingParty.verifyAuthentication(response, challenge.challenge, toStored(stored));
    if (!outcome.ok) return this.refuse(userId, challenge.id, outcome.failure, context.meta);
    const asserted = outcome.value;
    // Compare-and-swap on the count the assertion was checked against: of two assertions racing with one count, one loses.
    if (!(await this.credentials.advanceCounter(factor.id, stored.counter, asserted.newCounter, asserted.backedUp))) {
      return this.refuse(userId, challenge.id, 'counter', context.meta);
    }
    // Once a credential is known to be syncable or backed up it stays `swk`, whatever a later assertion claims.
    const amr = amrOf({
      deviceType: stored.deviceType === 'multiDevice' ? 'multiDevice' : asserted.deviceType,
      backedUp: stored.backedUp || asserted.backedUp,
    });
    return {
      factorId: factor.id,
      amr,
      consume: async (tx: Tx) => {
        await this.factors.touch(factor.id, tx);
        await this.accountLimit.succeeded(userId, tx);
        await this.audit.record(
          { type: 'mfa.code.verified', userId, meta: context.meta, metadata: { factorType: 'webauthn', challengeId: challenge.id, amr } },
          tx,
        );
        mfaVerificationsTotal.inc({ factor: 'webauthn', result: 'verified' });
      },
    };
  }

  /** Every refusal looks the same to the caller; the kind of failure goes to the audit log only. */
  private async refuse(userId: string, challengeId: string, failure: CeremonyFailure, meta: RequestMeta): Promise<never> {
    await this.accountLimit.recordFailure(userId, 'webauthn');
    await this.audit.record({ type: 'mfa.code.failed', userId, meta, metadata: { factorType: 'webauthn', challengeId, reason: failure } });
    mfaVerificationsTotal.inc({ factor: 'webauthn', result: 'invalid' });
    throw new MfaException('MFA_INVALID_CODE', {
      detail: 'The security key response could not be verified. Start a new challenge to try again.',
      // The challenge was spent on this answer: it has no attempts left.
      extensions: { attemptsRemaining: 0 },
    });
  }
}

function requireAssertion(input: VerifyInput): { challengeId: string; credential: Record<string, unknown> } {
  const errors: FieldError[] = [];
  if (typeof input.challengeId !== 'string') errors.push({ field: 'challengeId', message: 'is required for a WebAuthn assertion' });
  if (typeof input.credential !== 'object' || input.credential === null) errors.push({ field: 'credential', message: 'is required' });
  if (errors.length > 0) throw validationFailed(errors);
  return { challengeId: input.challengeId!, credential: input.credential! };
}
