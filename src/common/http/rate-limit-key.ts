import { isIP } from 'node:net';

/**
 * The key a client address is rate-limited under. An IPv4 address stands for
 * itself; an IPv6 address for its /64, the smallest block a subscriber is
 * usually given, so that one client cannot take a fresh limit from each of
 * the 2^64 addresses it owns.
 */
export function rateLimitKey(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  if (isIP(ip) !== 6) return ip;
  const full = expandIpv6(ip);
  return full ? `${full.slice(0, 4).join(':')}::/64` : ip;
}

/** The eight 16-bit groups of an IPv6 address, without zone, leading zeros dropped. */
function expandIpv6(ip: string): string[] | null {
  const address = ip.split('%')[0]!.toLowerCase();
  const [head, tail] = address.includes('::') ? address.split('::') : [address, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const groups = (parts: string[]) => parts.flatMap((p) => (p.includes('.') ? ipv4Groups(p) : [p]));
  const l = groups(left);
  const r = tail === null ? [] : groups(right);
  const missing = 8 - l.length - r.length;
  if (missing < 0 || (tail === null && missing !== 0)) return null;
  return [...l, ...Array<string>(missing).fill('0'), ...r].map((g) => (parseInt(g, 16) || 0).toString(16));
}

function ipv4Groups(v4: string): string[] {
  const [a, b, c, d] = v4.split('.').map(Number);
  return [(((a ?? 0) << 8) | (b ?? 0)).toString(16), (((c ?? 0) << 8) | (d ?? 0)).toString(16)];
}
