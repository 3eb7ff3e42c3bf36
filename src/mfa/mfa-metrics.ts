import { counter } from '../sms/sms-metrics.js';

/** Second-factor verifications by factor type and result. */
export const mfaVerificationsTotal = counter('sesame_mfa_verifications_total', 'Second-factor verifications', ['factor', 'result']);
