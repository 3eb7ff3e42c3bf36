import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

/**
 * A stand-in for AWS SNS's `Publish` to a phone number, spoken in the AWS
 * Query protocol that @aws-sdk/client-sns uses unchanged when its `endpoint`
 * points here: a form-encoded POST (`Action=Publish&Version=2010-03-31&
 * PhoneNumber=…&Message=…&MessageAttributes.entry.N…`) signed with SigV4,
 * answered with XML (`PublishResponse` or `ErrorResponse`).
 *
 * The signature itself is not recomputed; the access key id in the
 * `Authorization` header's credential scope must match.
 */

export type FakeSnsFailureMode =
  /** HTTP 500 InternalError. */
  | 'server_error'
  /** HTTP 400 Throttling. */
  | 'throttled'
  /** HTTP 400 InvalidParameter (the phone number). */
  | 'invalid_number'
  /** The request is held open until the caller gives up or the fake closes. */
  | 'hang';

export interface FakeSnsMessage {
  phoneNumber: string;
  message: string;
  attributes: Record<string, string>;
  messageId: string;
  receivedAt: Date;
}

const NS = 'https://sns.amazonaws.com/doc/2010-03-31/';

const ERRORS: Record<Exclude<FakeSnsFailureMode, 'hang'>, { status: number; type: string; code: string; message: string }> = {
  server_error: { status: 500, type: 'Receiver', code: 'InternalError', message: 'Internal Error' },
  throttled: { status: 400, type: 'Sender', code: 'Throttling', message: 'Rate exceeded' },
  invalid_number: { status: 400, type: 'Sender', code: 'InvalidParameter', message: 'Invalid parameter: PhoneNumber Reason: invalid' },
};

export class FakeSnsServer {
  readonly url: string;
  readonly accessKeyId = 'AKIAFAKESNS000000000';
  readonly secretAccessKey = 'fake-sns-secret-access-key';
  readonly region = 'eu-west-1';
  messages: FakeSnsMessage[] = [];
  /** Every Publish request received, answered or not. */
  requests = 0;

  private queue: FakeSnsFailureMode[] = [];
  private always: FakeSnsFailureMode | null = null;
  private readonly held = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(): Promise<FakeSnsServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeSnsServer(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch(() => {
        if (!res.headersSent) sendXml(res, 500, errorXml('Receiver', 'InternalError', 'fake failure'));
      });
    });
    return fake;
  }

  failNext(mode: FakeSnsFailureMode, count = 1): void {
    for (let i = 0; i < count; i++) this.queue.push(mode);
  }

  /** Every request fails this way until `recover()`. */
  failAlways(mode: FakeSnsFailureMode): void {
    this.always = mode;
  }

  recover(): void {
    this.always = null;
    this.queue = [];
  }

  codesSentTo(to: string): string[] {
    return this.messages
      .filter((m) => m.phoneNumber === to)
      .map((m) => /#(\w+)\s*$/.exec(m.message)?.[1])
      .filter((c): c is string => c !== undefined);
  }

  reset(): void {
    this.recover();
    this.messages = [];
    this.requests = 0;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    const closed = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST') return sendXml(res, 405, errorXml('Sender', 'InvalidAction', 'POST only'));
    const params = new URLSearchParams(raw);
    const credential = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
    if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ') || credential !== this.accessKeyId) {
      return sendXml(res, 403, errorXml('Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.'));
    }
    if (params.get('Action') !== 'Publish' || params.get('Version') !== '2010-03-31') {
      return sendXml(res, 400, errorXml('Sender', 'InvalidAction', 'Unsupported action'));
    }
    this.requests += 1;
    const mode = this.queue.shift() ?? this.always;
    if (mode === 'hang') {
      this.held.add(res);
      res.once('close', () => this.held.delete(res));
      return;
    }
    if (mode) {
      const e = ERRORS[mode];
      return sendXml(res, e.status, errorXml(e.type, e.code, e.message));
    }
    const phoneNumber = params.get('PhoneNumber') ?? '';
    const message = params.get('Message') ?? '';
    if (!/^\+\d{7,15}$/.test(phoneNumber) || message === '') {
      const e = ERRORS.invalid_number;
      return sendXml(res, e.status, errorXml(e.type, e.code, e.message));
    }
    const attributes: Record<string, string> = {};
    for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
      attributes[params.get(`MessageAttributes.entry.${n}.Name`)!] = params.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
    }
    const messageId = randomUUID();
    this.messages.push({ phoneNumber, message, attributes, messageId, receivedAt: new Date() });
    sendXml(
      res,
      200,
      `<PublishResponse xmlns="${NS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }
}

function errorXml(type: string, code: string, message: string): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': randomUUID() });
  res.end(body);
}
