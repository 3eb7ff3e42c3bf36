import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../database/database.js';
import { bindingOf } from '../../challenge-binding.js';
import type { Factor } from '../../factor.entity.js';
import { requireCodeAnswer } from '../../code-answer.js';
import { MfaException } from '../../mfa.exception.js';
import type { ActivateInput, FactorContext, MfaFactor, SecondFactorProof, VerifyInput } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { EmailOtpChallengeService } from './email-otp-challenge.service.js';

/**
 * A one-time code sent to the account's email address (RFC 8176 amr `otp`:
 * a one-time password; the channel is not a hardware or SMS one). Off in the
 * default policy; an admin adds `email` to `allowedFactors`. Verify with
 * `{ type: "email", challengeId, code }`.
 */
@Injectable()
export class EmailOtpFactor implements MfaFactor {
  readonly type = 'email' as const;

  constructor(
    private readonly challenges: EmailOtpChallengeService,
    private readonly factors: MfaFactorsService,
  ) {}

  startChallenge(factor: Factor, context: FactorContext) {
    const purpose = context.principal.kind === 'mfa' ? context.principal.purpose : 'step_up';
    return this.challenges.start(factor, purpose, bindingOf(context.principal), {
      meta: context.meta,
      user: context.user,
      grandfathered: context.grandfathered === true,
    });
  }

  challengeState(challengeId: string, context: FactorContext): Promise<'none' | 'open' | 'consumed'> {
    return this.challenges.stateOf(challengeId, bindingOf(context.principal));
  }

  async verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, code } = requireCodeAnswer(input, 'an email code');
    const verified = await this.challenges.check(challengeId, code, bindingOf(context.principal), context.meta);
    if (verified.challenge.purpose === 'enroll' || !verified.factorActive) throw new MfaException('NOT_FOUND');
    return { factorId: verified.challenge.factorId, amr: 'otp', consume: (tx: Tx) => verified.consume(tx) };
  }

  async activate(factor: Factor, input: ActivateInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, code } = requireCodeAnswer(input, 'an email code');
    const verified = await this.challenges.check(challengeId, code, bindingOf(context.principal), context.meta);
    if (verified.challenge.factorId !== factor.id || verified.challenge.purpose !== 'enroll') throw new MfaException('NOT_FOUND');
    return {
      factorId: factor.id,
      amr: 'otp',
      consume: async (tx: Tx) => {
        await verified.consume(tx);
        if (!(await this.factors.activate(factor.id, tx))) throw new MfaException('CONFLICT', { detail: 'The factor is already active.' });
      },
    };
  }
}
