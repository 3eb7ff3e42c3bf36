/**
 * The small subset of CBOR (RFC 8949) that a WebAuthn authenticator emits:
 * unsigned and negative integers, byte strings, text strings, arrays, maps
 * and booleans. That is enough for the attestation object (WebAuthn §6.5)
 * and a COSE_Key (RFC 9052 §7), which is all the test fakes need to produce.
 *
 * Every head uses the shortest form (RFC 8949 §4.2.1) and maps keep the
 * order their entries are given in. CTAP2's canonical form additionally
 * sorts map keys; callers pass entries already in that order, so the bytes
 * match what real authenticators send — which matters because verifiers
 * such as @simplewebauthn/server re-encode the decoded COSE_Key to find out
 * how many bytes of authData it occupied.
 */

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | Uint8Array
  | readonly CborValue[]
  | ReadonlyMap<number | string, CborValue>
  | { readonly [key: string]: CborValue };

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;

const SIMPLE_FALSE = 0xf4;
const SIMPLE_TRUE = 0xf5;

export function encodeCbor(value: CborValue): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  write(value, chunks);
  return Buffer.concat(chunks);
}

function write(value: CborValue, out: Uint8Array[]): void {
  if (typeof value === 'number' || typeof value === 'bigint') {
    writeInteger(value, out);
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(head(MAJOR_TEXT, bytes.length), bytes);
  } else if (typeof value === 'boolean') {
    out.push(Uint8Array.of(value ? SIMPLE_TRUE : SIMPLE_FALSE));
  } else if (value instanceof Uint8Array) {
    out.push(head(MAJOR_BYTES, value.length), value);
  } else if (Array.isArray(value)) {
    const items = value as readonly CborValue[];
    out.push(head(MAJOR_ARRAY, items.length));
    for (const item of items) write(item, out);
  } else if (value instanceof Map) {
    const entries = value as ReadonlyMap<number | string, CborValue>;
    out.push(head(MAJOR_MAP, entries.size));
    for (const [key, item] of entries) {
      write(key, out);
      write(item, out);
    }
  } else {
    const entries = Object.entries(value as { readonly [key: string]: CborValue });
    out.push(head(MAJOR_MAP, entries.length));
    for (const [key, item] of entries) {
      write(key, out);
      write(item, out);
    }
  }
}

function writeInteger(value: number | bigint, out: Uint8Array[]): void {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`CBOR encoder only handles integers, got ${value}`);
  }
  const n = BigInt(value);
  // RFC 8949 §3.1: major type 1 carries -1 - n, so -1 encodes as 0x20.
  if (n < 0n) out.push(head(MAJOR_NEGATIVE, -1n - n));
  else out.push(head(MAJOR_UNSIGNED, n));
}

/** Initial byte plus argument in the shortest of the RFC 8949 §3 forms. */
function head(major: number, argument: number | bigint): Uint8Array {
  const n = BigInt(argument);
  const type = major << 5;
  if (n < 0n || n > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`CBOR argument out of range: ${n}`);
  }
  if (n < 24n) return Uint8Array.of(type | Number(n));
  if (n <= 0xffn) return Uint8Array.of(type | 24, Number(n));
  if (n <= 0xffffn) {
    const buf = Buffer.alloc(3);
    buf[0] = type | 25;
    buf.writeUInt16BE(Number(n), 1);
    return buf;
  }
  if (n <= 0xffff_ffffn) {
    const buf = Buffer.alloc(5);
    buf[0] = type | 26;
    buf.writeUInt32BE(Number(n), 1);
    return buf;
  }
  const buf = Buffer.alloc(9);
  buf[0] = type | 27;
  buf.writeBigUInt64BE(n, 1);
  return buf;
}
