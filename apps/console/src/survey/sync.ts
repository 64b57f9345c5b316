import { ApiError, NetworkError } from '../api/api-client';
import { postSignedReturn } from '../api/survey-api';
import { surveyStore } from './survey-store';

/** What one sync did: how many returns the hub took, already had, refused, and how many still wait. */
export interface SyncOutcome {
  synced: number;
  duplicate: number;
  rejected: number;
  waiting: number;
  /** Whether the hub answered: undefined when nothing was sent. */
  reached?: boolean;
}

/**
 * Answers that mean "not now" rather than "never": the return stays 待同步 and goes with the next
 * sync. Any other refusal (400, 404, 409 — this returnId with other content, or the campaign
 * published —, 422 incomplete or bad signatures) is final: 被拒绝, with the hub's reason.
 */
function retryLater(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && (error.status >= 500 || [401, 403, 408, 429].includes(error.status));
}

async function sendPending(): Promise<SyncOutcome> {
  const outcome: SyncOutcome = { synced: 0, duplicate: 0, rejected: 0, waiting: 0 };
  for (const queued of await surveyStore.pending()) {
    try {
      const receipt = await postSignedReturn(queued.signed);
      outcome.reached = true;
      const state = receipt.status === 'duplicate' ? 'duplicate' : 'synced';
      await surveyStore.answered(queued.returnId, state);
      outcome[state] += 1;
    } catch (error) {
      outcome.reached = !(error instanceof NetworkError);
      if (retryLater(error)) {
        outcome.waiting += 1;
        // No network: the others would fail alike; they wait for the next sync.
        if (error instanceof NetworkError) {
          outcome.waiting = (await surveyStore.pending()).length;
          break;
        }
      } else {
        const apiError = error as ApiError;
        const fields = apiError.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
        await surveyStore.answered(queued.returnId, 'rejected', [apiError.detail ?? String(error), fields].filter(Boolean).join(' — '));
        outcome.rejected += 1;
      }
    }
  }
  return outcome;
}

/**
 * Sends every return still 待同步, one at a time. A Web Lock makes it one sync at a time across
 * the tabs of this browser too, so no return is ever in flight twice from this device; and should a
 * return still reach the hub twice (the answer lost on the way back), its `returnId` makes the
 * second a duplicate that the hub stores once.
 */
export function syncReturns(): Promise<SyncOutcome> {
  if (!navigator.locks) return sendPending();
  return navigator.locks.request('sanxian-survey-sync', sendPending);
}
