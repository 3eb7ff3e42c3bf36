import type { Request } from 'express';
import { clientIp } from './client-ip.js';

const req = (remoteAddress: string, xff?: string) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as Request;

describe('clientIp', () => {
  it('ignores X-Forwarded-For unless a proxy is trusted', () => {
    expect(clientIp(req('10.0.0.1', '203.0.113.9'), 0)).toBe('10.0.0.1');
  });
  it('takes the address the trusted proxy appended', () => {
    expect(clientIp(req('10.0.0.1', '198.51.100.7, 203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientIp(req('10.0.0.1', '198.51.100.7, 203.0.113.9'), 2)).toBe('198.51.100.7');
  });
  it('falls back to the socket address when the header is malformed or short', () => {
    expect(clientIp(req('10.0.0.1', 'not-an-ip'), 1)).toBe('10.0.0.1');
    expect(clientIp(req('10.0.0.1', '<script>'), 1)).toBe('10.0.0.1');
    expect(clientIp(req('10.0.0.1', '203.0.113.9'), 2)).toBe('10.0.0.1');
    expect(clientIp(req('::ffff:10.0.0.1'), 0)).toBe('10.0.0.1');
  });
});
