import { readFile } from 'node:fs/promises';
import { signedJsonPost } from './push-client';

export interface AnswerOptions {
  /** Base URL of the hub. */
  url: string;
  clientId: string;
  secret: string;
  /** The verification request's id (its `requestId` in GET /v1/exchange/verification-requests). */
  requestId: string;
  /** A JSON file holding the answer: {"answer": "corrected", "record": {…}} or {"answer": "confirmed", "comment": "…"}. */
  file: string;
  requestTimeoutMs?: number;
}

/** What the hub answered: the request with its answer (`duplicate` when it had one already), or why it refused this one. */
export type AnswerResult =
  | { outcome: 'answered'; status: number; body: { requestId: string; state: string; duplicate: boolean; answer: Record<string, unknown> } & Record<string, unknown> }
  | { outcome: 'refused'; status: number; body: { code?: string; detail?: string; errors?: { path: string; code: string; message: string }[] } };

/** The hub could not be reached, or did not answer as the contract says (401, 404, 5xx…): nothing to correct in the answer. */
export class AnswerError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/**
 * Sends one answer to a verification request (协查), signed as the client, with the file's bytes as
 * the body. Safe to send again: the hub keeps the first answer and answers a later one with it.
 */
export async function answerVerificationRequest(options: AnswerOptions): Promise<AnswerResult> {
  const body = await readFile(options.file);
  const url = new URL(`/v1/exchange/verification-requests/${encodeURIComponent(options.requestId)}/answer`, options.url);
  const headers = signedJsonPost(options, url.pathname, body);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.requestTimeoutMs ?? 60_000) });
  } catch (error) {
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new AnswerError(`could not reach the hub at ${url.origin}: ${reason}`);
  }
  const text = await response.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AnswerError(`the hub answered ${response.status} with a body that is not JSON`, response.status);
  }
  if (response.status === 200) return { outcome: 'answered', status: 200, body: parsed };
  if (response.status === 400) return { outcome: 'refused', status: 400, body: parsed };
  throw new AnswerError(`the hub answered ${response.status}: ${parsed?.detail ?? parsed?.title ?? text.slice(0, 200)}`, response.status);
}
