import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../database/database.js';
import type { Factor } from '../../factor.entity.js';
import { requireCodeAnswer } from '../../code-answer.js';
import { MfaException } from '../../mfa.exception.js';
import type { ActivateInput, ActivationKeep, FactorContext, MfaFactor, SecondFactorProof, VerifyInput } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { bindingOf } from '../../challenge-binding.js';
import { SmsChallengeService } from './sms-challenge.service.js';
import { SmsPhoneChangeService } from './sms-phone-change.service.js';

/** SMS one-time codes (RFC 8176 amr `sms`): a challenge per login, a code sent to the stored number. */
@Injectable()
export class SmsFactor implements MfaFactor {
  readonly type = 'sms' as const;

  constructor(
    private readonly challenges: SmsChallengeService,
    private readonly factors: MfaFactorsService,
    private readonly phoneChange: SmsPhoneChangeService,
  ) {}

  /** A new number became active next to older ones: each older number is told. */
  onActivated(factor: Factor, context: FactorContext, keep: ActivationKeep, tx: Tx): Promise<void> {
    return this.phoneChange.onActivated(factor, context.user, keep, tx);
  }

  startChallenge(factor: Factor, context: FactorContext) {
    const purpose = context.principal.kind === 'mfa' ? context.principal.purpose : 'step_up';
    return this.challenges.start(factor, purpose, bindingOf(context.principal), {
      meta: context.meta,
      userLocale: context.user.locale,
      grandfathered: context.grandfathered === true,
    });
  }

  /** A verify body with a challenge id and a code is an SMS answer; one with a credential is WebAuthn's. */
  answers(input: VerifyInput): boolean {
    return typeof input.challengeId === 'string' && input.credential === undefined;
  }

  challengeState(challengeId: string, context: FactorContext): Promise<'none' | 'open' | 'consumed'> {
    return this.challenges.stateOf(challengeId, bindingOf(context.principal));
  }

  async verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, code } = requireCodeAnswer(input, 'an SMS code');
    const verified = await this.challenges.check(challengeId, code, bindingOf(context.principal), context.meta);
    // A factor removed (or never activated) since the challenge began cannot complete a login.
    if (verified.challenge.purpose === 'enroll' || !verified.factorActive) throw new MfaException('NOT_FOUND');
    return { factorId: verified.challenge.factorId, amr: 'sms', consume: (tx: Tx) => verified.consume(tx) };
  }

  async activate(factor: Factor, input: ActivateInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, code } = requireCodeAnswer(input, 'an SMS code');
    const verified = await this.challenges.check(challengeId, code, bindingOf(context.principal), context.meta);
    if (verified.challenge.factorId !== factor.id || verified.challenge.purpose !== 'enroll') throw new MfaException('NOT_FOUND');
    return {
      factorId: factor.id,
      amr: 'sms',
      consume: async (tx: Tx) => {
        await verified.consume(tx);
        if (!(await this.factors.activate(factor.id, tx))) throw new MfaException('CONFLICT', { detail: 'The factor is already active.' });
      },
    };
  }
}
