import { move, transferableSymbol, valueSymbol } from 'piscina';
// Light entries only: a thread should load only what preparing a request needs (no Nest, no TypeORM).
import { RecordValidator } from '@sanxian/contracts/light';
import { BatchBodyError } from '@sanxian/exchange';
import { type IntakeRequest, type PreparedRequest, prepareRequest } from './request-preparation';

/**
 * An api intake thread (a piscina task, loaded through bin/intake-thread.js): prepares one request. Its
 * answer is what prepareRequest returns, or the body error it threw, as plain data: an Error's class and
 * fields would not survive the trip back to the main thread.
 */
export type ThreadAnswer =
  | { prepared: PreparedRequest }
  | { bodyError: { status: 400 | 413 | 415; code: string; message: string } }
  /** Preparing this request threw: its content led the code somewhere it should not go (the thread lives on). */
  | { failure: string };

const validator = RecordValidator.create();

export default function prepareInThread(request: IntakeRequest): ThreadAnswer | object {
  try {
    const prepared = prepareRequest(validator, request);
    const { text, ends } = prepared.log.open;
    // The encoded rows are moved, not copied, to the main thread.
    const moved = [text, ends].filter((array) => array.byteLength > 0).map((array) => array.buffer);
    return move({ [transferableSymbol]: moved, [valueSymbol]: { prepared } });
  } catch (error) {
    if (error instanceof BatchBodyError) return { bodyError: { status: error.status, code: error.code, message: error.message } };
    return { failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
