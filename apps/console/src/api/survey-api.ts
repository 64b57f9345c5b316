import type { DrawFrame, InspectionCampaignSummary, SignedReturn, SurveyReturnReceipt } from '@sanxian/api-types';
import { NetworkError, api } from './api-client';

/** The spot-check endpoints the survey page calls: every path of them is here, nowhere else. */
const CAMPAIGNS = '/v1/inspection/campaigns';

function teamDay(campaignId: string, day: string, teamId: string): string {
  return `${CAMPAIGNS}/${encodeURIComponent(campaignId)}/days/${day}/teams/${encodeURIComponent(teamId)}`;
}

export async function listCampaigns(): Promise<InspectionCampaignSummary[]> {
  return (await api<{ items: InspectionCampaignSummary[] }>(CAMPAIGNS)).items;
}

/** The leader's draw of the day's points (once; refused earlier than the set time before departure). */
export function drawDay(campaignId: string, day: string, teamId: string): Promise<unknown> {
  return api(`${teamDay(campaignId, day, teamId)}/draw`, { method: 'POST' });
}

/** The drawn villages with their part of the frozen frame: what the device keeps to work offline. */
export function fetchDrawFrame(campaignId: string, day: string, teamId: string): Promise<DrawFrame> {
  return api<DrawFrame>(`${teamDay(campaignId, day, teamId)}/draw/frame`);
}

/** Sends a signed return; the same return sent again is answered as a duplicate. */
export function postSignedReturn(signed: SignedReturn): Promise<SurveyReturnReceipt> {
  return api<SurveyReturnReceipt>('/v1/survey-returns', { method: 'POST', body: signed });
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
