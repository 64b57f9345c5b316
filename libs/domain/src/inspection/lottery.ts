import canonicalize from 'canonicalize';
import { sha256Hex } from '../sha256';
import { rivestSampleWithoutReplacement } from './rivest-sampler';
import type { FrameVillage, SamplingFrame } from './survey-types';

/**
 * The sealed, verifiable lottery of a spot check (检查组长每天出发前15分钟以抽签方式随机确定检查样本点).
 * Everything here is pure: the same inputs give the same draw, and anyone holding a published
 * campaign's record (revealed seed, frozen frame, design, each draw's public value) recomputes it.
 */

/** How a day's points are drawn: per township, per drawn village, per drawn group. */
export interface SamplingDesign {
  /** Villages drawn in each township the team visits that day. */
  villagesPerTownship: number;
  /** Groups (村民小组) drawn in each drawn village: all of them (村不漏组), or a number drawn. */
  groupsPerVillage: 'all' | number;
  /** Households surveyed in each drawn group: all of them (组不漏户), or a number drawn. */
  householdsPerGroup: 'all' | number;
}

export const LOTTERY_FORMAT = 'sanxian-lottery/v1';

/** What a draw is a function of, and nothing else. */
export interface DrawInputs {
  /** The campaign's secret seed (hex), revealed at publication; its SHA-256 was published at freezing. */
  seed: string;
  campaignId: string;
  /** The day, YYYY-MM-DD. */
  day: string;
  /** The team's id within the campaign. */
  teamId: string;
  /** A value nobody could know before the draw: the hash of the message log's chain heads at that minute. */
  publicValue: string;
  /** The townships the team visits that day, as the campaign assigns them. */
  townshipCodes: readonly string[];
  design: SamplingDesign;
  frame: SamplingFrame;
}

export interface DrawnGroup {
  groupCode: string;
  /** The households to survey, in the frame's order. */
  householdKeys: string[];
}

export interface DrawnVillage {
  townshipCode: string;
  villageCode: string;
  groups: DrawnGroup[];
}

/** A day's points for one team. */
export interface DrawResult {
  format: typeof LOTTERY_FORMAT;
  /** The sampler's base seed (see drawSeed), for anyone redoing the draw with another tool. */
  drawSeed: string;
  villages: DrawnVillage[];
}

/** SHA-256 (hex) of the seed's text: published at freezing, checked against the seed revealed at publication. */
export function seedCommitment(seed: string): string {
  return sha256Hex(seed);
}

/** True when `seed` is the one the campaign committed to. */
export function seedMatchesCommitment(seed: string, commitment: string): boolean {
  return seedCommitment(seed) === commitment.toLowerCase();
}

/** SHA-256 (hex) of the frame's RFC 8785 canonical JSON: what the campaign records when it freezes. */
export function frameHash(frame: SamplingFrame): string {
  return sha256Hex(canonicalize(frame)!);
}

/** The public value a draw mixes in: SHA-256 of the canonical JSON of the log's chain heads, ordered by client. */
export function publicValueOfHeads(heads: readonly { clientId: string; lastSeq: string; headHash: string }[]): string {
  const ordered = [...heads]
    .map((h) => ({ clientId: h.clientId, lastSeq: h.lastSeq, headHash: h.headHash }))
    .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  return sha256Hex(canonicalize(ordered)!);
}

/**
 * The sampler's seed for a draw: the inputs joined by commas (none of them may contain one), after
 * the format's name. Each stage then appends what it draws in, e.g. `…,villages,511325104`.
 */
export function drawSeed(inputs: Pick<DrawInputs, 'seed' | 'campaignId' | 'day' | 'teamId' | 'publicValue'>): string {
  const parts = [inputs.seed, inputs.campaignId, inputs.day, inputs.teamId, inputs.publicValue];
  for (const part of parts) {
    if (!part || part.includes(',')) throw new Error(`a draw input may not be empty or contain a comma: ${JSON.stringify(part)}`);
  }
  return [LOTTERY_FORMAT, ...parts].join(',');
}

/** Picks `count` of `items` (already in the frame's order) with Rivest's sampler, answering them in the frame's order. */
function pickInOrder<T>(seed: string, items: readonly T[], count: number): T[] {
  if (!items.length || count <= 0) return [];
  // Everything is drawn: no sampler needed (it would give the same set, in more hashes).
  if (count >= items.length) return [...items];
  const picks = rivestSampleWithoutReplacement(seed, count, items.length);
  return [...picks].sort((a, b) => a - b).map((p) => items[p - 1]);
}

function countOf(wanted: 'all' | number, available: number): number {
  return wanted === 'all' ? available : Math.min(wanted, available);
}

function byCode<T>(key: (t: T) => string) {
  return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/**
 * A day's draw for one team, in three stages on the frame ordered by code:
 * 1. in each township of the day (ascending code), `villagesPerTownship` of its villages, seed `<base>,villages,<township>`;
 * 2. in each drawn village, every group or `groupsPerVillage` of them, seed `<base>,groups,<village>`;
 * 3. in each drawn group, every household, or `householdsPerGroup` of them, seed `<base>,households,<village>,<group>`.
 * Each stage draws without replacement (sampler.py's rule); asking for more than there are gives all.
 */
export function drawDay(inputs: DrawInputs): DrawResult {
  const base = drawSeed(inputs);
  const { design } = inputs;
  const villagesByTownship = new Map<string, FrameVillage[]>();
  for (const village of inputs.frame.villages) {
    const list = villagesByTownship.get(village.townshipCode) ?? [];
    list.push(village);
    villagesByTownship.set(village.townshipCode, list);
  }
  const villages: DrawnVillage[] = [];
  for (const township of [...new Set(inputs.townshipCodes)].sort()) {
    const eligible = [...(villagesByTownship.get(township) ?? [])].sort(byCode((v) => v.villageCode));
    for (const village of pickInOrder(`${base},villages,${township}`, eligible, design.villagesPerTownship)) {
      const groups = [...village.groups].sort(byCode((g) => g.groupCode));
      villages.push({
        townshipCode: township,
        villageCode: village.villageCode,
        groups: pickInOrder(`${base},groups,${village.villageCode}`, groups, countOf(design.groupsPerVillage, groups.length)).map((group) => {
          const households = group.households.map((h) => h.householdKey).sort();
          const count = countOf(design.householdsPerGroup, households.length);
          return { groupCode: group.groupCode, householdKeys: pickInOrder(`${base},households,${village.villageCode},${group.groupCode}`, households, count) };
        }),
      });
    }
  }
  return { format: LOTTERY_FORMAT, drawSeed: base, villages };
}

/** Whether two draws picked the same points. */
export function sameDraw(a: Pick<DrawResult, 'villages'>, b: Pick<DrawResult, 'villages'>): boolean {
  return canonicalize(a.villages) === canonicalize(b.villages);
}

export type DrawRefusal =
  | { refused: 'not-leader' }
  | { refused: 'too-early'; opensAt: string }
  | { refused: 'already-drawn' };

/**
 * Whether a user may make a team's draw now: only the team's leader, no earlier than
 * `leadMinutes` before the day's departure, and once.
 */
export function checkDrawAllowed(args: {
  userId: string;
  leaderId: string;
  now: Date;
  departureAt: string;
  leadMinutes: number;
  alreadyDrawn: boolean;
}): DrawRefusal | undefined {
  if (args.userId !== args.leaderId) return { refused: 'not-leader' };
  const opensAt = new Date(Date.parse(args.departureAt) - args.leadMinutes * 60_000);
  if (args.now.getTime() < opensAt.getTime()) return { refused: 'too-early', opensAt: opensAt.toISOString() };
  if (args.alreadyDrawn) return { refused: 'already-drawn' };
  return undefined;
}

/** The part of the frame a draw's villages need (for the survey page to load before departure): drawn groups and households only. */
export function framePartOfDraw(frame: SamplingFrame, draw: Pick<DrawResult, 'villages'>): FrameVillage[] {
  const byCode = new Map(frame.villages.map((v) => [v.villageCode, v]));
  return draw.villages.map((drawn) => {
    const village = byCode.get(drawn.villageCode);
    if (!village) throw new Error(`village ${drawn.villageCode} is not in the frame`);
    return {
      villageCode: village.villageCode,
      townshipCode: village.townshipCode,
      groups: drawn.groups.map((g) => {
        const group = village.groups.find((fg) => fg.groupCode === g.groupCode)!;
        const keys = new Set(g.householdKeys);
        return { groupCode: g.groupCode, households: group.households.filter((h) => keys.has(h.householdKey)) };
      }),
    };
  });
}
