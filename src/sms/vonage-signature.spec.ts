import { createHmac } from 'node:crypto';
import { isValidVonageSignature, vonageSignature } from './vonage-signature.js';

describe('Vonage webhook signatures', () => {
  const secret = 'signature-secret';
  const params = { messageId: '0A0000000123ABCD1', status: 'delivered', timestamp: '1795870000', 'client-ref': 'a&b=c' };

  it('signs the sorted parameters with HMAC-SHA256, replacing & and = in values', () => {
    const expected = createHmac('sha256', secret)
      .update('&client-ref=a_b_c&messageId=0A0000000123ABCD1&status=delivered&timestamp=1795870000')
      .digest('hex');
    expect(vonageSignature(params, secret)).toBe(expected);
  });

  it('accepts the right signature in either case and nothing else', () => {
    const sig = vonageSignature(params, secret);
    expect(isValidVonageSignature({ ...params, sig }, secret)).toBe(true);
    expect(isValidVonageSignature({ ...params, sig: sig.toUpperCase() }, secret)).toBe(true);
    expect(isValidVonageSignature({ ...params, sig }, 'other-secret')).toBe(false);
    expect(isValidVonageSignature({ ...params, status: 'failed', sig }, secret)).toBe(false);
    expect(isValidVonageSignature({ ...params, sig: 'zz' }, secret)).toBe(false);
    expect(isValidVonageSignature(params, secret)).toBe(false);
  });
});
