import { classify } from './smtp-email.sender.js';

describe('SMTP failure classification', () => {
  it('retries transient replies and network faults, gives up on permanent replies', () => {
    expect(classify({ responseCode: 451, response: '451 4.3.0 try later' })).toEqual({ ok: false, retryable: true, reason: 'smtp_451' });
    expect(classify({ responseCode: 550, response: '550 5.1.1 no such user ada@example.com' })).toEqual({ ok: false, retryable: false, reason: 'smtp_550' });
    expect(classify({ code: 'ECONNREFUSED' })).toEqual({ ok: false, retryable: true, reason: 'econnrefused' });
    expect(classify(new Error('boom'))).toEqual({ ok: false, retryable: true, reason: 'transport_error' });
  });
});
