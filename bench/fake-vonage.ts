import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Vonage's SMS API (`POST {restHost}/sms/json`) that the
 * official @vonage/server-sdk talks to unchanged, so the benchmark exercises
 * the same provider path as production and reads each code "from the phone".
 *
 * The SDK sends a JSON body with kebab-cased keys (`from`, `to`, `text`,
 * `client-ref`, `type`) and Basic credentials; the public API also accepts
 * form-encoded bodies, so both are read. Every message is accepted (status
 * "0"): the benchmark measures Sesame, not the retry path.
 *
 * Waiting is event-driven rather than polled, so the time a flow spends
 * waiting for its code is the server's delivery time and nothing more.
 */

export interface ReceivedSms {
  /** Digits only, as the SDK sends them (E.164 without '+'). */
  to: string;
  text: string;
  /** The code from the WebOTP line (`@domain #123456`), or the first 4–10 digit run. */
  code: string | null;
  /** `performance.now()` in the benchmark process when the request body was complete. */
  at: number;
}

interface Waiter {
  count: number;
  resolve: (sms: ReceivedSms) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const digits = (phone: string) => phone.replace(/\D/g, '');

export function extractCode(text: string): string | null {
  const lines = text.trimEnd().split(/\r?\n/);
  const webOtp = /^@\S+\s+#(\d{4,10})\s*$/.exec((lines.at(-1) ?? '').trim());
  if (webOtp) return webOtp[1];
  return /(?<!\d)\d{4,10}(?!\d)/.exec(text)?.[0] ?? null;
}

export class FakeVonage {
  readonly url: string;
  private readonly byPhone = new Map<string, ReceivedSms[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private total = 0;

  private constructor(private readonly server: Server) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(): Promise<FakeVonage> {
    const server = createServer();
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeVonage(server);
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  /** Messages received so far, over all destinations. */
  get received(): number {
    return this.total;
  }

  /** How many messages this number has received. */
  countTo(phone: string): number {
    return this.byPhone.get(digits(phone))?.length ?? 0;
  }

  /** Resolves with the `count`-th message (1-based) to this number, as soon as it arrives. */
  waitFor(phone: string, count: number, timeoutMs = 30_000): Promise<ReceivedSms> {
    const key = digits(phone);
    const have = this.byPhone.get(key) ?? [];
    if (have.length >= count) return Promise.resolve(have[count - 1]);
    return new Promise<ReceivedSms>((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.removeWaiter(key, waiter);
          reject(new Error(`no SMS #${count} to ${phone} within ${timeoutMs} ms (have ${this.countTo(phone)})`));
        }, timeoutMs),
      };
      const list = this.waiters.get(key) ?? [];
      list.push(waiter);
      this.waiters.set(key, list);
    });
  }

  async close(): Promise<void> {
    for (const list of this.waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new Error('fake Vonage closed'));
      }
    }
    this.waiters.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // The SDK keeps connections alive; they must not hold the shutdown up.
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'POST' || path !== '/sms/json') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"not found"}');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = (req.headers['content-type'] ?? '').includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        body = {};
      }
      const to = digits(String(body.to ?? ''));
      const text = String(body.text ?? '');
      this.record({ to, text, code: extractCode(text), at });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          'message-count': '1',
          messages: [
            {
              to,
              'message-id': `bench-${this.total}`,
              status: '0',
              'remaining-balance': '100.0',
              'message-price': '0.03',
              network: '23410',
            },
          ],
        }),
      );
    });
  }

  private record(sms: ReceivedSms): void {
    this.total++;
    const list = this.byPhone.get(sms.to) ?? [];
    list.push(sms);
    this.byPhone.set(sms.to, list);
    const waiting = this.waiters.get(sms.to);
    if (!waiting) return;
    for (const w of [...waiting]) {
      if (list.length >= w.count) {
        clearTimeout(w.timer);
        this.removeWaiter(sms.to, w);
        w.resolve(list[w.count - 1]);
      }
    }
  }

  private removeWaiter(key: string, waiter: Waiter): void {
    const list = this.waiters.get(key);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length > 0) this.waiters.set(key, rest);
    else this.waiters.delete(key);
  }
}
