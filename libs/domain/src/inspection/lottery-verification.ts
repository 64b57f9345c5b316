import type { CampaignDay } from './campaign';
import { drawDay, frameHash, publicValueOfHeads, sameDraw, seedMatchesCommitment, type DrawnVillage, type SamplingDesign } from './lottery';
import type { SamplingFrame } from './survey-types';

export const CAMPAIGN_RECORD_FORMAT = 'sanxian-campaign-record/v1';

/** Everything needed to recompute a published campaign's draws, and nothing secret once published. */
export interface CampaignPublicRecord {
  format: typeof CAMPAIGN_RECORD_FORMAT;
  campaignId: string;
  year: number;
  period: string;
  townshipCodes: string[];
  design: SamplingDesign;
  days: CampaignDay[];
  frame: SamplingFrame;
  frameHash: string;
  seedCommitment: string;
  /** Revealed at publication; null before. */
  seed: string | null;
  draws: {
    id: string;
    day: string;
    teamId: string;
    drawnAt: string;
    publicValue: string;
    logHeads: { clientId: string; lastSeq: string; headHash: string }[];
    villages: DrawnVillage[];
  }[];
}

export interface DrawCheck {
  id: string;
  day: string;
  teamId: string;
  matches: boolean;
  /** What does not match, when something does not. */
  problem?: string;
}

export interface CampaignVerification {
  campaignId: string;
  /** Every check passed. */
  ok: boolean;
  seedMatchesCommitment: boolean;
  frameMatchesHash: boolean;
  draws: DrawCheck[];
}

/**
 * Recomputes a published campaign from its public record: the revealed seed against the
 * commitment published at freezing, the frame against its hash, each draw's public value against
 * the chain heads recorded with it, and each draw against drawDay on those inputs.
 */
export function verifyCampaignRecord(record: CampaignPublicRecord): CampaignVerification {
  const seedOk = record.seed !== null && seedMatchesCommitment(record.seed, record.seedCommitment);
  const frameOk = frameHash(record.frame) === record.frameHash;
  const draws = record.draws.map((draw): DrawCheck => {
    const base = { id: draw.id, day: draw.day, teamId: draw.teamId };
    if (record.seed === null) return { ...base, matches: false, problem: 'the seed is not revealed' };
    if (publicValueOfHeads(draw.logHeads) !== draw.publicValue) return { ...base, matches: false, problem: 'the public value is not the hash of the recorded chain heads' };
    const assignment = record.days.find((d) => d.date === draw.day)?.assignments.find((a) => a.teamId === draw.teamId);
    if (!assignment) return { ...base, matches: false, problem: 'the team does not go out that day' };
    const again = drawDay({
      seed: record.seed, campaignId: record.campaignId, day: draw.day, teamId: draw.teamId, publicValue: draw.publicValue,
      townshipCodes: assignment.townshipCodes, design: record.design, frame: record.frame,
    });
    return sameDraw(again, draw) ? { ...base, matches: true } : { ...base, matches: false, problem: 'the recorded points are not the ones the inputs give' };
  });
  return { campaignId: record.campaignId, ok: seedOk && frameOk && draws.every((d) => d.matches), seedMatchesCommitment: seedOk, frameMatchesHash: frameOk, draws };
}
