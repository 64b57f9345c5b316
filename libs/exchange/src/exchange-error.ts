import { ProblemDocument, problem } from '@sanxian/contracts/light';

export type ExchangeErrorCode =
  | 'invalid-body' | 'invalid-json' | 'invalid-csv' | 'empty-batch'
  | 'missing-credentials' | 'unknown-client' | 'revoked-client' | 'timestamp-malformed' | 'timestamp-expired'
  | 'nonce-malformed' | 'nonce-replayed' | 'signature-mismatch'
  | 'wrong-record-kind' | 'not-found' | 'too-many-records' | 'body-too-large' | 'unsupported-media-type'
  | 'nesting-too-deep' | 'too-many-fields' | 'body-unprocessable' | 'rate-limited' | 'storage-unavailable' | 'intake-unavailable' | 'invalid-load'
  | 'invalid-answer';

const TITLES: Record<ExchangeErrorCode, [number, string]> = {
  'invalid-body': [400, 'The request body is not a valid batch'],
  'invalid-json': [400, 'The request body is not valid JSON'],
  'invalid-csv': [400, 'The request body is not valid CSV'],
  'empty-batch': [400, 'The batch holds no records'],
  'missing-credentials': [401, 'The request is not signed'],
  'unknown-client': [401, 'Unknown client'],
  'revoked-client': [401, 'The client has been revoked'],
  'timestamp-malformed': [401, 'X-Hub-Timestamp is not an RFC 3339 UTC time'],
  'timestamp-expired': [401, "X-Hub-Timestamp is too far from the hub's clock"],
  'nonce-malformed': [401, 'X-Hub-Nonce must be 16–64 characters [A-Za-z0-9_-]'],
  'nonce-replayed': [401, 'X-Hub-Nonce was already used: the request is a replay'],
  'signature-mismatch': [401, 'X-Hub-Signature does not match the request'],
  'wrong-record-kind': [403, 'This client may not send this record kind'],
  'not-found': [404, 'Not found'],
  'too-many-records': [413, 'The batch holds too many records'],
  'body-too-large': [413, 'The request body is too large'],
  'unsupported-media-type': [415, 'Unsupported Content-Type'],
  'nesting-too-deep': [400, 'The body nests objects and arrays too deeply'],
  'too-many-fields': [400, 'An object or array of the body has too many members'],
  'body-unprocessable': [422, 'The request body could not be processed'],
  'rate-limited': [429, 'Too many requests for this client'],
  'storage-unavailable': [503, 'The hub cannot store records right now'],
  'invalid-load': [400, 'The load query parameter is not valid for this request'],
  'intake-unavailable': [503, 'The hub cannot prepare records right now'],
  'invalid-answer': [400, 'The verification answer is not valid'],
};

/** One exception for the exchange module; a filter maps it to an RFC 9457 problem document. */
export class ExchangeError extends Error {
  readonly status: number;
  constructor(
    readonly code: ExchangeErrorCode,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
    /** Members the problem document carries besides the standard ones (e.g. `errors`, each with its `path`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? TITLES[code][1]);
    this.status = TITLES[code][0];
  }

  toProblem(instance?: string): ProblemDocument {
    return problem(this.status, this.code, TITLES[this.code][1], this.detail, { ...this.extra, ...(instance ? { instance } : {}) });
  }
}
