import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '@sanxian/domain';

/**
 * Request signing of exchange contract v1: `X-Hub-Signature: v1=<hex HMAC-SHA256>` over
 * `METHOD\nPATH\nTIMESTAMP\nNONCE\nSHA256HEX(BODY)`. Used by the hub to verify and by the push client to sign.
 */
export { sha256Hex };

export const SIGNATURE_VERSION = 'v1';

export const HEADER_CLIENT = 'X-Hub-Client';
export const HEADER_TIMESTAMP = 'X-Hub-Timestamp';
export const HEADER_NONCE = 'X-Hub-Nonce';
export const HEADER_SIGNATURE = 'X-Hub-Signature';

/** 16–64 characters of the base64url alphabet, as the contract fixes. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** How far a request's timestamp may be from the hub's clock, either way. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

const SIGNATURE_PREFIX = `${SIGNATURE_VERSION}=`;
const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;

export function canonicalRequest(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Buffer): string {
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${sha256Hex(body)}`;
}

function hmacHex(secret: string, method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Buffer): string {
  return createHmac('sha256', secret).update(canonicalRequest(method, pathWithQuery, timestamp, nonce, body)).digest('hex');
}

export function signRequest(secret: string, method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Buffer): string {
  return SIGNATURE_PREFIX + hmacHex(secret, method, pathWithQuery, timestamp, nonce, body);
}

/**
 * True when `header` is `v1=` + the HMAC of this request. Compared in constant time; a header of the wrong
 * version or length is false without comparing. Hex digits are accepted in either case.
 */
export function verifySignature(
  secret: string,
  header: string,
  method: string,
  pathWithQuery: string,
  timestamp: string,
  nonce: string,
  body: Buffer,
): boolean {
  if (typeof header !== 'string' || !header.startsWith(SIGNATURE_PREFIX)) return false;
  const given = header.slice(SIGNATURE_PREFIX.length);
  if (!SIGNATURE_HEX.test(given)) return false;
  const expected = Buffer.from(hmacHex(secret, method, pathWithQuery, timestamp, nonce, body), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** RFC 3339 UTC without fractional seconds: `2026-11-28T12:00:00Z`. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 24 random bytes in base64url: 32 characters matching NONCE_PATTERN. */
export function randomNonce(): string {
  return randomBytes(24).toString('base64url');
}

export interface SignedHeadersInput {
  clientId: string;
  secret: string;
  method: string;
  pathWithQuery: string;
  body: Buffer;
  now?: Date;
  nonce?: string;
}

export function signedHeaders(input: SignedHeadersInput): Record<string, string> {
  const timestamp = formatTimestamp(input.now ?? new Date());
  const nonce = input.nonce ?? randomNonce();
  return {
    [HEADER_CLIENT]: input.clientId,
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: signRequest(input.secret, input.method, input.pathWithQuery, timestamp, nonce, input.body),
  };
}

// RFC 3339 date-time: fractional seconds optional; `Z` or a numeric offset (an offset names the same instant,
// and the signature covers the header text as sent, so accepting one is harmless).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 date-time to epoch milliseconds, or undefined when it is not one (including 2026-02-30). */
export function parseTimestamp(header: string): number | undefined {
  const m = RFC3339.exec(header);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  if (!m[8]) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (offHours * 60 + offMinutes) * (m[9] === '-' ? -1 : 1);
  }
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  // A leap second (:60) is read as :59.999 — the window is 300 s wide, the difference does not matter.
  const millis = second === 60 ? 59_999 : second * 1000 + fraction;
  const utc = Date.UTC(year, month - 1, day, hour, minute, 0, millis);
  // Date.UTC maps years 0–99 to 1900–1999; such timestamps are expired anyway, keep them so.
  return utc - offsetMinutes * 60_000;
}

export function checkTimestamp(header: string, now: Date, windowSeconds = TIMESTAMP_WINDOW_SECONDS): 'ok' | 'malformed' | 'expired' {
  if (typeof header !== 'string') return 'malformed';
  const at = parseTimestamp(header);
  if (at === undefined) return 'malformed';
  return Math.abs(now.getTime() - at) > windowSeconds * 1000 ? 'expired' : 'ok';
}
