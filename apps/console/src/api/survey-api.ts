import type { ReturnReceipt, SignedReturn, SurveyDay } from '@sanxian/api-types';
import { NetworkError, api } from './api-client';

/**
 * The inspection endpoints the survey page calls: every path of them is here, nowhere else.
 * `SURVEY_PATHS` names them so that the page and its browser test agree.
 */
export const SURVEY_PATHS = {
  /** The signed-in inspector's team's drawn day: the points and their frame part. */
  day: '/v1/inspection/my-day',
  returns: '/v1/inspection/returns',
} as const;

/** The day drawn for the inspector's team (today, or the given date), to keep on the device before departure. */
export function fetchSurveyDay(date?: string): Promise<SurveyDay> {
  return api<SurveyDay>(SURVEY_PATHS.day, { query: { date } });
}

/** Sends a signed return; the same `returnId` sent again is answered as a duplicate. */
export function postSignedReturn(signed: SignedReturn): Promise<ReturnReceipt> {
  return api<ReturnReceipt>(SURVEY_PATHS.returns, { method: 'POST', body: signed });
}

/** Whether the hub answers at all (any answer counts: only a failure to reach it is "offline"). */
export async function hubReachable(): Promise<boolean> {
  try {
    await api('/health/live');
    return true;
  } catch (error) {
    return !(error instanceof NetworkError);
  }
}
