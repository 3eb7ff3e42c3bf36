import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Vonage's signed-webhook scheme for the SMS API ("Signing Messages"):
 * every parameter but `sig`, sorted by name, joined as `&name=value` with
 * `&` and `=` in values replaced by `_`, then HMAC-SHA256 with the account's
 * signature secret, hex. (The dashboard must be set to "SHA-256 HMAC"; the
 * older MD5 schemes are not accepted.)
 */
export function vonageSignature(params: Record<string, string>, secret: string): string {
  const signed = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `&${k}=${params[k].replace(/[&=]/g, '_')}`)
    .join('');
  return createHmac('sha256', secret).update(signed).digest('hex');
}

/** Constant-time check of a webhook's `sig` (Vonage sends hex in either case). */
export function isValidVonageSignature(params: Record<string, string>, secret: string): boolean {
  const given = params.sig;
  if (typeof given !== 'string' || !/^[0-9a-fA-F]{64}$/.test(given)) return false;
  const expected = Buffer.from(vonageSignature(params, secret), 'hex');
  return timingSafeEqual(expected, Buffer.from(given.toLowerCase(), 'hex'));
}
