/**
 * The demo's spot-check campaign (平时抽查), run through the services the staff API calls: a county user
 * creates and freezes it, an admin enrolls the keys the inspectors' "devices" make (Node WebCrypto, private
 * keys not extractable), each team's leader draws the day's points at the allowed time and loads their frame,
 * the team fills each drawn village's return from the ground truth (who really lives in each household) and
 * signs it, every member, the leader closes the day, the county publishes (findings raised), and the lottery
 * is verified. The demo never writes to the campaign's tables itself.
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Type } from '@nestjs/common';
import { COUNTY_SCOPE, type RegionDirectory, signingKeyId, signReturn, type CampaignDefinition, type SigningAlgorithm, type SurveyFinding } from '@sanxian/domain';
import { InspectionCampaigns, type Viewer } from '@sanxian/inspection';
import { DiscrepancyRepository, StaffRepository, SurveyReturnRepository } from '@sanxian/persistence';
import { refusalDetail, SigningKeys, SpotCheckResults, SurveyReturns } from '@sanxian/survey-returns';
import { HouseholdTruthIndex, surveyFromTruth, type HouseholdTruth } from '@sanxian/synth';

type Get = <S>(type: Type<S>) => S;

/**
 * The campaign's design: two villages a township, and in each every group and every household (村不漏组、组不漏户,
 * as the county's report has it): the most births the two villages hold, for 求实率.
 */
export const DEMO_DESIGN = { villagesPerTownship: 2, groupsPerVillage: 'all', householdsPerGroup: 'all' } as const;
/** Minutes from now to the day's departure: within the lead time (15 by default), so the leaders may draw now, as on the day. */
const DEPARTURE_IN_MINUTES = 5;

/** What the demo's summary prints of the campaign, every figure as the services returned it. */
export interface DemoCampaignSummary {
  campaignId: string;
  year: number;
  period: string;
  day: string;
  townships: { code: string; name: string }[];
  frame: { villages: number; groups: number; households: number; persons: number };
  frameHash: string;
  draws: { teamId: string; day: string; townships: string[]; villages: number; groups: number; households: number }[];
  returns: number;
  /** Signatures on the returns: every member of the team who took part signed each. */
  signatures: number;
  findingsByKind: Partial<Record<SurveyFinding['kind'], number>>;
  findings: number;
  /** Open `spot-check-finding` discrepancies once published: each finding is one, owned by its township. */
  openFindingDiscrepancies: number;
  /** 出生统计求实率 per township, with its 95% interval (null: the survey found no birth of the period). */
  birthAccuracy: { code: string; name: string; value: number | null; lower: number | null; upper: number | null; numerator: number; denominator: number }[];
  /** Per township, the share of items that agree (信息准确率, what the FP office's registry-accuracy takes); null: nothing compared. */
  itemAgreement: { code: string; value: number | null }[];
  verification: { ok: boolean; draws: number; matching: number };
  milliseconds: number;
}

/** An inspector's key as their device makes it: WebCrypto, the private key not extractable; only the public half leaves. */
async function deviceKey(algorithm: SigningAlgorithm) {
  const params = algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const pair = (await webcrypto.subtle.generateKey(params, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', pair.publicKey));
  return { keyId: signingKeyId(spki), algorithm, publicKey: Buffer.from(spki).toString('base64'), privateKey: pair.privateKey };
}

/** China Standard Time's date and HH:MM of an instant: a campaign day's date and departure as the county writes them. */
function chinaClock(at: Date): { date: string; time: string } {
  const iso = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** The three townships with most households in the synthetic county: every drawn village has people to survey. */
export function campaignTownships(households: readonly HouseholdTruth[], count = 3): string[] {
  const perTownship = new Map<string, number>();
  for (const h of households) perTownship.set(h.villageCode.slice(0, 9), (perTownship.get(h.villageCode.slice(0, 9)) ?? 0) + 1);
  return [...perTownship.entries()].sort(([a, n], [b, m]) => m - n || (a < b ? -1 : 1)).slice(0, count).map(([code]) => code).sort();
}

export function readHouseholdTruth(countyDir: string): HouseholdTruth[] {
  const text = readFileSync(join(countyDir, 'truth', 'households.ndjson'), 'utf8');
  return text.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line) as HouseholdTruth);
}

/**
 * Runs the campaign; undefined (with the reason) when the day would fall outside the plan's year (a demo run
 * after the year is over: a campaign's days are in its year).
 */
export async function runDemoCampaign(
  get: Get,
  args: { year: number; countyDir: string; regions: RegionDirectory; county: { id: string; username: string }; admin: { id: string; username: string }; password: string },
): Promise<DemoCampaignSummary | { skipped: string }> {
  const started = Date.now();
  const departure = chinaClock(new Date(Date.now() + DEPARTURE_IN_MINUTES * 60_000));
  if (!departure.date.startsWith(`${args.year}-`)) return { skipped: `today (${departure.date}) is not in ${args.year}: a campaign's days are in its year` };
  const households = readHouseholdTruth(args.countyDir);
  const truth = new HouseholdTruthIndex(households);
  const townships = campaignTownships(households);

  // Two teams of two inspectors: A visits the first township, B the other two.
  const staff = get(StaffRepository);
  const inspectors = [];
  for (const name of ['a1', 'a2', 'b1', 'b2']) inspectors.push(await staff.create(`demo-inspector-${name}`, args.password, 'inspector', null));
  const [a1, a2, b1, b2] = inspectors;
  const teams = [
    { teamId: 'A', leaderId: a1.id, memberIds: [a2.id], townshipCodes: townships.slice(0, 1) },
    { teamId: 'B', leaderId: b1.id, memberIds: [b2.id], townshipCodes: townships.slice(1) },
  ];

  // Each inspector's device makes its key (leaders Ed25519, members ECDSA P-256: the hub takes both); the admin enrolls the public halves.
  const keys = new Map<string, Awaited<ReturnType<typeof deviceKey>>>();
  for (const [i, inspector] of inspectors.entries()) {
    const key = await deviceKey(i % 2 === 0 ? 'Ed25519' : 'ECDSA-P256-SHA256');
    const enrolled = await get(SigningKeys).enroll(inspector.id, { algorithm: key.algorithm, publicKey: key.publicKey, label: `${inspector.username}'s phone` }, args.admin);
    if (enrolled.outcome !== 'enrolled') throw new Error(`enrolling ${inspector.username}'s key: ${enrolled.outcome}`);
    keys.set(inspector.id, key);
  }

  const campaigns = get(InspectionCampaigns);
  const countyUser: Viewer = { userId: args.county.id, username: args.county.username, role: 'county', scope: COUNTY_SCOPE };
  const viewerOf = (user: { id: string; username: string }): Viewer => ({ userId: user.id, username: user.username, role: 'inspector', scope: COUNTY_SCOPE });
  const definition: CampaignDefinition = {
    year: args.year,
    period: `${args.year}-Q4`,
    townshipCodes: townships,
    design: { ...DEMO_DESIGN },
    teams: teams.map(({ teamId, leaderId, memberIds }) => ({ teamId, leaderId, memberIds })),
    days: [{ date: departure.date, departure: departure.time, assignments: teams.map((t) => ({ teamId: t.teamId, townshipCodes: t.townshipCodes })) }],
  };
  const created = await campaigns.create(countyUser, definition);
  const frozen = await campaigns.freeze(countyUser, created.id);

  const draws: DemoCampaignSummary['draws'] = [];
  const findingsByKind: DemoCampaignSummary['findingsByKind'] = {};
  let returns = 0;
  let signatures = 0;
  let findings = 0;
  for (const team of teams) {
    const leader = inspectors.find((u) => u.id === team.leaderId)!;
    const members = [leader, ...inspectors.filter((u) => team.memberIds.includes(u.id))];
    // The leader draws at the allowed time (the lead time before departure), and loads the points' frame to the device.
    const draw = await campaigns.draw(viewerOf(leader), created.id, departure.date, team.teamId);
    const { villages } = await campaigns.drawFrame(viewerOf(leader), created.id, departure.date, team.teamId);
    const groups = villages.flatMap((v) => v.groups);
    draws.push({
      teamId: team.teamId, day: departure.date, townships: team.townshipCodes, villages: villages.length,
      groups: groups.length, households: groups.reduce((n, g) => n + g.households.length, 0),
    });
    for (const village of villages) {
      const survey = surveyFromTruth(village, { returnId: randomUUID(), campaignId: created.id, drawId: draw.id, surveyDate: departure.date }, truth, {
        addMissingHouseholds: DEMO_DESIGN.householdsPerGroup === 'all',
      });
      const signed = { return: survey, signatures: await Promise.all(members.map((m) => { const k = keys.get(m.id)!; return signReturn(survey, k.keyId, k.algorithm, k.privateKey); })) };
      const outcome = await get(SurveyReturns).submit(signed, { id: leader.id, username: leader.username });
      if (!('receipt' in outcome)) throw new Error(`the return for ${village.villageCode} was refused: ${refusalDetail(outcome)}`);
      if (outcome.outcome !== 'accepted') throw new Error(`the return for ${village.villageCode} was taken as a duplicate`);
      returns++;
      signatures += signed.signatures.length;
    }
    await campaigns.closeDay(viewerOf(leader), created.id, departure.date, team.teamId);
  }

  // The bureau's meeting: published, the findings raised as discrepancies of the townships; then anyone may verify the lottery.
  await campaigns.publish(countyUser, created.id);
  const verification = await campaigns.verify(countyUser, created.id);
  for (const { comparison } of await get(SurveyReturnRepository).currentComparisons(created.id)) {
    for (const finding of comparison.findings) findingsByKind[finding.kind] = (findingsByKind[finding.kind] ?? 0) + 1;
    findings += comparison.findings.length;
  }
  const open = (await get(DiscrepancyRepository).counts(COUNTY_SCOPE)).byKind['spot-check-finding'] ?? 0;
  const indicators = await get(SpotCheckResults).campaignIndicators(created.id);
  const birthAccuracy = townships.map((code) => {
    const unit = indicators.find((u) => u.level === 'township' && u.unitId === code);
    const e = unit?.birthAccuracy;
    return { code, name: args.regions.nameOf(code) ?? code, value: e?.value ?? null, lower: e?.lower ?? null, upper: e?.upper ?? null, numerator: e?.numerator ?? 0, denominator: e?.denominator ?? 0 };
  });
  const itemAgreement = townships.map((code) => ({ code, value: indicators.find((u) => u.level === 'township' && u.unitId === code)?.itemAgreement.value ?? null }));
  return {
    itemAgreement,
    campaignId: created.id, year: args.year, period: definition.period, day: departure.date,
    townships: townships.map((code) => ({ code, name: args.regions.nameOf(code) ?? code })),
    frame: frozen.counts!, frameHash: frozen.frameHash!, draws, returns, signatures, findingsByKind, findings, openFindingDiscrepancies: open, birthAccuracy,
    verification: { ok: verification.ok, draws: verification.draws.length, matching: verification.draws.filter((d) => d.matches).length },
    milliseconds: Date.now() - started,
  };
}
