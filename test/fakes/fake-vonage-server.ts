import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

/**
 * A stand-in for Vonage's legacy SMS API (`POST {restHost}/sms/json`) that the
 * official SDK (@vonage/server-sdk v3) talks to unchanged.
 *
 * What the SDK sends (@vonage/sms + @vonage/server-client): a JSON body with
 * kebab-cased keys (`from`, `to`, `text`, `client-ref`, `type`, ...) and the
 * credentials in an `Authorization: Basic base64(api_key:api_secret)` header.
 * The public API also accepts `api_key`/`api_secret` as body or query
 * parameters and form-encoded bodies, so those are honoured as well.
 *
 * What it answers: HTTP 200 for every per-message outcome, success or not,
 * with `message-count` as a *string* and a `status` per message; `"0"` is the
 * only success. HTTP errors are reserved for the platform itself failing.
 */

/** Vonage SMS API status codes (developer.vonage.com, SMS API "Troubleshooting"). */
export const VONAGE_STATUS = {
  success: '0',
  throttled: '1',
  missingParams: '2',
  invalidParams: '3',
  invalidCredentials: '4',
  internalError: '5',
  invalidMessage: '6',
  numberBarred: '7',
  partnerAccountBarred: '8',
  partnerQuotaViolation: '9',
  invalidSenderAddress: '15',
  nonWhitelistedDestination: '29',
} as const;

export type FakeVonageFailureMode =
  /** status "1": sending faster than the account's rate. */
  | 'throttled'
  /** status "3": the `to` number was rejected. */
  | 'invalid_number'
  /** status "9": the account has no credit left. */
  | 'no_credit'
  /** HTTP 500 from the platform, no per-message status at all. */
  | 'server_error'
  /** The reply (a normal one) is delayed by `delayMs`. */
  | 'slow'
  /**
   * No reply at all: the request is held open until the caller goes away (a
   * timeout, or its process dies) or the fake is closed. With `accept` (the
   * default) the platform has taken the message, so the phone gets the code
   * even though the sender never hears so; without it, nothing is sent.
   */
  | 'hang'
  /** status "5": the platform failed internally but still answered. */
  | 'internal_error'
  /** status "7": the destination number is barred. */
  | 'number_barred'
  /** status "8": the account is barred. */
  | 'account_barred'
  /** status "15": the `from` sender ID is not allowed. */
  | 'invalid_sender'
  /** status "29": trial accounts may only send to whitelisted numbers. */
  | 'non_whitelisted';

export interface FakeVonageMessage {
  /** As received, i.e. E.164 digits usually without the leading '+'. */
  to: string;
  from: string;
  text: string;
  clientRef?: string;
  /** `text` (GSM-7) when absent; `unicode` for UCS-2 messages. */
  type?: string;
  messageId: string;
  receivedAt: Date;
}

interface QueuedBehaviour {
  mode: FakeVonageFailureMode;
  delayMs: number;
  accept: boolean;
}

const DEFAULT_SLOW_DELAY_MS = 2000;

/** Status replies for the modes that answer with a per-message error. */
const STATUS_REPLIES: Partial<Record<FakeVonageFailureMode, { status: string; errorText: string }>> = {
  throttled: { status: VONAGE_STATUS.throttled, errorText: 'Throttled' },
  invalid_number: { status: VONAGE_STATUS.invalidParams, errorText: 'Invalid to number' },
  no_credit: { status: VONAGE_STATUS.partnerQuotaViolation, errorText: 'Quota Exceeded - rejected' },
  internal_error: { status: VONAGE_STATUS.internalError, errorText: 'Internal Error' },
  number_barred: { status: VONAGE_STATUS.numberBarred, errorText: 'Number Barred' },
  account_barred: { status: VONAGE_STATUS.partnerAccountBarred, errorText: 'Partner Account Barred' },
  invalid_sender: { status: VONAGE_STATUS.invalidSenderAddress, errorText: 'Illegal Sender Address - rejected' },
  non_whitelisted: {
    status: VONAGE_STATUS.nonWhitelistedDestination,
    errorText: 'Non White-listed Destination - rejected',
  },
};

/** Vonage wants E.164 without '+' but tolerates it; lookups should match either way. */
function normaliseNumber(n: string): string {
  return n.replace(/^\+/, '').replace(/^00/, '');
}

/**
 * WebOTP (WICG SMS OTP format): the last line is `@<origin host> #<code>`;
 * otherwise the first standalone run of 6-10 digits.
 */
function extractCode(text: string): string | undefined {
  const lines = text.trimEnd().split(/\r?\n/);
  const last = lines[lines.length - 1] ?? '';
  const webOtp = /^@\S+\s+#(\S+)/.exec(last.trim());
  if (webOtp) return webOtp[1];
  return /(?<!\d)\d{6,10}(?!\d)/.exec(text)?.[0];
}

export class FakeVonageServer {
  readonly url: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  messages: FakeVonageMessage[] = [];
  /** Every request to /sms/json, answered or not. */
  requests = 0;

  private queue: QueuedBehaviour[] = [];
  private always: QueuedBehaviour | null = null;
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  /** Requests in 'hang' mode that are still held open. */
  private readonly held = new Set<ServerResponse>();
  private heldEver = 0;
  private balance = 10;

  private constructor(
    private readonly server: Server,
    apiKey: string,
    apiSecret: string,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
  }

  static async start(opts: { apiKey?: string; apiSecret?: string } = {}): Promise<FakeVonageServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeVonageServer(server, opts.apiKey ?? 'fake-api-key', opts.apiSecret ?? 'fake-api-secret');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { type: 'about:blank', title: 'Internal Server Error' });
      });
    });
    return fake;
  }

  lastMessageTo(to: string): FakeVonageMessage | undefined {
    const wanted = normaliseNumber(to);
    return this.messages.filter((m) => normaliseNumber(m.to) === wanted).at(-1);
  }

  codesSentTo(to: string): string[] {
    const wanted = normaliseNumber(to);
    return this.messages
      .filter((m) => normaliseNumber(m.to) === wanted)
      .map((m) => extractCode(m.text))
      .filter((c): c is string => c !== undefined);
  }

  /**
   * Queues a behaviour for each of the next `count` requests to /sms/json.
   * Queued behaviours are applied before the credentials are checked
   * ('hang' with `accept` after them: it records the message like a success).
   */
  failNext(mode: FakeVonageFailureMode, count = 1, opts: { delayMs?: number; accept?: boolean } = {}): void {
    for (let i = 0; i < count; i++) {
      this.queue.push({ mode, delayMs: opts.delayMs ?? DEFAULT_SLOW_DELAY_MS, accept: opts.accept ?? true });
    }
  }

  /** Every request fails this way (after any queued behaviours) until `recover()`. */
  failAlways(mode: FakeVonageFailureMode, opts: { delayMs?: number; accept?: boolean } = {}): void {
    this.always = { mode, delayMs: opts.delayMs ?? DEFAULT_SLOW_DELAY_MS, accept: opts.accept ?? true };
  }

  recover(): void {
    this.always = null;
    this.queue = [];
  }

  /** How many requests are held open by 'hang' right now, and how many have been since the start. */
  hanging(): { now: number; total: number } {
    return { now: this.held.size, total: this.heldEver };
  }

  reset(): void {
    this.messages = [];
    this.queue = [];
    this.always = null;
    this.requests = 0;
    this.balance = 10;
  }

  async close(): Promise<void> {
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
    for (const res of this.held) res.destroy();
    this.held.clear();
    const closed = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    // The SDK's fetch keeps connections alive (Node's default agent), and a
    // delayed reply holds its socket open; neither should stall teardown.
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname !== '/sms/json') {
      sendJson(res, 404, { type: 'about:blank', title: 'Not Found', detail: `No route for ${url.pathname}` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendJson(res, 405, { type: 'about:blank', title: 'Method Not Allowed' });
      return;
    }

    const raw = await readBody(req);
    this.requests += 1;
    const behaviour = this.queue.shift() ?? this.always ?? undefined;

    if (behaviour?.mode === 'server_error') {
      sendJson(res, 500, { type: 'about:blank', title: 'Internal Server Error' });
      return;
    }
    if (behaviour?.mode === 'slow') {
      // Carried through even if the caller has given up: the real platform
      // would still send the SMS, which is what makes a timeout ambiguous.
      await this.sleep(behaviour.delayMs);
    }

    if (behaviour?.mode === 'hang' && !behaviour.accept) {
      this.hold(res);
      return;
    }

    const params = parseParams(req, raw, url);
    if (params === null) {
      sendJson(res, 400, { type: 'about:blank', title: 'Bad Request', detail: 'Malformed request body' });
      return;
    }

    const statusReply = behaviour ? STATUS_REPLIES[behaviour.mode] : undefined;
    if (statusReply) {
      sendJson(res, 200, errorReply(statusReply.status, statusReply.errorText));
      return;
    }

    const credentials = credentialsOf(req, params);
    if (!credentials.apiKey) {
      sendJson(res, 200, errorReply(VONAGE_STATUS.missingParams, 'Missing api_key'));
      return;
    }
    if (credentials.apiKey !== this.apiKey || credentials.apiSecret !== this.apiSecret) {
      sendJson(res, 200, errorReply(VONAGE_STATUS.invalidCredentials, 'Bad Credentials'));
      return;
    }

    for (const required of ['from', 'to', 'text'] as const) {
      if (!params[required]) {
        sendJson(res, 200, errorReply(VONAGE_STATUS.missingParams, `Missing ${required} param`));
        return;
      }
    }
    const to = params.to!;
    if (!/^\+?\d{7,15}$/.test(to)) {
      sendJson(res, 200, errorReply(VONAGE_STATUS.invalidParams, 'Invalid to number'));
      return;
    }

    const messageId = randomBytes(8).toString('hex').toUpperCase();
    const clientRef = params['client-ref'];
    this.messages.push({
      to,
      from: params.from!,
      text: params.text!,
      ...(clientRef !== undefined ? { clientRef } : {}),
      ...(params.type !== undefined ? { type: params.type } : {}),
      messageId,
      receivedAt: new Date(),
    });
    if (behaviour?.mode === 'hang') {
      this.hold(res);
      return;
    }
    const price = 0.0333;
    this.balance -= price;
    sendJson(res, 200, {
      'message-count': '1',
      messages: [
        {
          to: normaliseNumber(to),
          'message-id': messageId,
          status: VONAGE_STATUS.success,
          'remaining-balance': this.balance.toFixed(8),
          'message-price': price.toFixed(8),
          network: '23410',
          ...(clientRef !== undefined ? { 'client-ref': clientRef } : {}),
        },
      ],
    });
  }

  /** Never answers: keeps the response open until the client disconnects or the fake closes. */
  private hold(res: ServerResponse): void {
    this.held.add(res);
    this.heldEver++;
    res.once('close', () => this.held.delete(res));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pendingTimers.delete(t);
        resolve();
      }, ms);
      this.pendingTimers.add(t);
    });
  }
}

function errorReply(status: string, errorText: string): unknown {
  return { 'message-count': '1', messages: [{ status, 'error-text': errorText }] };
}

function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}


/** Query string, then a JSON or form-encoded body; `null` when the body cannot be parsed. */
function parseParams(req: IncomingMessage, raw: string, url: URL): Record<string, string | undefined> | null {
  const params: Record<string, string | undefined> = Object.fromEntries(url.searchParams);
  if (raw.length === 0) return params;
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === 'application/x-www-form-urlencoded') {
    return { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    for (const [k, v] of Object.entries(parsed)) {
      if (v !== undefined && v !== null) params[k] = String(v);
    }
    return params;
  } catch {
    return null;
  }
}

function credentialsOf(
  req: IncomingMessage,
  params: Record<string, string | undefined>,
): { apiKey?: string; apiSecret?: string } {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { apiKey: decoded.slice(0, colon), apiSecret: decoded.slice(colon + 1) };
  }
  return { apiKey: params.api_key, apiSecret: params.api_secret };
}
