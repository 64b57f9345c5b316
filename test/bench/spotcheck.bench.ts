import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  buildSamplingFrame, compareWithRegistry, prefilledReturn, findingDrafts, frameHash, returnCompleteness, sha256Hex, signatureProblems, signingKeyId, signReturn,
  surveyIndicators, type EnrolledKey, type FrameCard, type FrameVillage, type SignedReturn,
} from '@sanxian/domain';
import { generateCounty } from '@sanxian/synth';
import { printTable } from './intake.bench';

/**
 * Issue 14: the time to freeze a campaign's frame and to score its returns, for the demo county and a county
 * `--factor` times its size. In process, no database: the synthetic county's registry cards (the latest version of
 * each) as the frame reads them, for the larger size the same cards `--factor` times over under new card ids and
 * household numbers, in the same villages.
 * - freeze: buildSamplingFrame over every card and frameHash (RFC 8785 + SHA-256) of the frame; baseline: the
 *   SHA-256 of the cards' canonical JSON, made in the same run.
 * - score: for the drawn villages (`--villages` per township, all groups and households), each return made from the
 *   frame and signed by two Ed25519 keys beforehand, then timed: completeness, both signatures verified, the
 *   comparison with the registry, the finding drafts, and every unit's indicators with their intervals; baseline:
 *   the SHA-256 of each signed return's canonical JSON.
 * Each figure is the second pass over the demo county's cards (the first compiles the code). Figures only: nothing is asserted.
 *
 *   npm run bench -- spotcheck [--people 200000] [--factor 10] [--villages 2] [--seed 1]
 */

interface Options { people: number; factor: number; villages: number; seed: string }

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: { people: { type: 'string', default: '200000' }, factor: { type: 'string', default: '10' }, villages: { type: 'string', default: '2' }, seed: { type: 'string', default: '1' } },
  });
  const int = (name: string, text: string): number => {
    const n = Number(text.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not "${text}"`);
    return n;
  };
  return { people: int('people', values.people), factor: int('factor', values.factor), villages: int('villages', values.villages), seed: values.seed };
}

/** The latest version of each card in a synthetic county's registry-cards.ndjson, as FrameCards. */
async function readCards(file: string): Promise<FrameCard[]> {
  const latest = new Map<string, Record<string, any>>();
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    let card: Record<string, any>;
    try { card = JSON.parse(line); } catch { continue; }
    if (typeof card.cardId !== 'string' || typeof card.regionCode !== 'string' || !/^\d{12}$/.test(card.regionCode)) continue;
    const seen = latest.get(card.cardId);
    if (!seen || Number(seen.version) < Number(card.version)) latest.set(card.cardId, card);
  }
  return [...latest.values()]
    .filter((c) => c.residenceStatus !== 'moved-out' && c.residenceStatus !== 'deceased')
    .map((c) => ({
      cardId: c.cardId, villageCode: c.regionCode, groupCode: c.groupCode ?? null, householdNumber: c.householdNumber ?? null,
      woman: { citizenId: c.woman?.citizenId ?? null, name: c.woman?.name ?? null, birthDate: c.woman?.birthDate ?? null, maritalStatus: c.maritalStatus },
      husband: c.husband ? { citizenId: c.husband.citizenId ?? null, name: c.husband.name ?? null, birthDate: c.husband.birthDate ?? null } : null,
      children: (c.children ?? []).map((k: Record<string, any>, i: number) => ({ ordinal: i + 1, citizenId: k.citizenId ?? null, name: k.name ?? null, sex: k.sex, birthDate: k.birthDate })),
    }));
}

/** The cards `factor` times over: copy n gets new card ids and household numbers in the same villages and groups. */
function scaled(cards: FrameCard[], factor: number): FrameCard[] {
  if (factor === 1) return cards;
  return Array.from({ length: factor }, (_, n) => cards.map((c) => ({
    ...c, cardId: n === 0 ? c.cardId : `${c.cardId}-x${n}`, householdNumber: c.householdNumber && n > 0 ? `${c.householdNumber}x${n}` : c.householdNumber,
  }))).flat();
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function measure(label: string, cards: FrameCard[], options: Options): Promise<Record<string, string>> {
  const villages = [...new Map(cards.map((c) => [c.villageCode, { villageCode: c.villageCode, townshipCode: c.villageCode.slice(0, 9) }])).values()];
  let started = process.hrtime.bigint();
  sha256Hex(canonicalize(cards)!);
  const baselineFreeze = seconds(started);
  started = process.hrtime.bigint();
  const frame = buildSamplingFrame({ countyCode: '511325', asOf: '2026-12-01', villages, cards });
  const hash = frameHash(frame);
  const freeze = seconds(started);

  // The draw: the first `--villages` villages of every township that has cards, all groups and households.
  const byTownship = new Map<string, FrameVillage[]>();
  for (const v of frame.villages) if (v.groups.length) byTownship.set(v.townshipCode, [...(byTownship.get(v.townshipCode) ?? []), v]);
  const drawn = [...byTownship.values()].flatMap((vs) => vs.slice(0, options.villages));
  const keys = await Promise.all([0, 1].map(async (n) => {
    const pair = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', pair.publicKey));
    const enrolled: EnrolledKey = { keyId: signingKeyId(spki), staffId: `inspector-${n}`, algorithm: 'Ed25519', publicKey: Buffer.from(spki).toString('base64') };
    return { enrolled, privateKey: pair.privateKey };
  }));
  const enrolled = new Map(keys.map((k) => [k.enrolled.keyId, k.enrolled]));
  const signed: SignedReturn[] = await Promise.all(drawn.map(async (village, i) => {
    const survey = prefilledReturn(village, { returnId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, campaignId: 'bench', drawId: 'bench', surveyDate: '2026-12-01' });
    return { return: survey, signatures: await Promise.all(keys.map((k) => signReturn(survey, k.enrolled.keyId, 'Ed25519', k.privateKey))) };
  }));

  started = process.hrtime.bigint();
  for (const s of signed) sha256Hex(canonicalize(s)!);
  const baselineScore = seconds(started);
  started = process.hrtime.bigint();
  const period = { from: '2026-01-01', to: '2026-12-31' };
  const located = [];
  let problems = 0, findings = 0;
  for (const [i, s] of signed.entries()) {
    problems += returnCompleteness(drawn[i], s.return).length + (await signatureProblems(s, enrolled)).length;
    const comparison = compareWithRegistry(s.return, drawn[i], period);
    findings += findingDrafts(comparison, drawn[i], { townshipCode: drawn[i].townshipCode }).length;
    located.push({ townshipCode: drawn[i].townshipCode, comparison });
  }
  const units = surveyIndicators(located);
  const score = seconds(started);
  if (problems !== 0 || findings !== 0) throw new Error(`faithful returns should be complete, verified and without findings: ${problems} problem(s), ${findings} finding(s)`);
  const persons = signed.reduce((n, s) => n + s.return.groups.reduce((g, gr) => g + gr.households.reduce((h, hh) => h + hh.persons.length, 0), 0), 0);
  return {
    [`${label}: cards in the frame`]: `${cards.length.toLocaleString('en')} (${frame.villages.length} villages, frame ${hash.slice(0, 12)}…)`,
    [`${label}: freeze (frame + hash)`]: `${freeze.toFixed(3)} s, ${(freeze / baselineFreeze).toFixed(1)}× the cards' canonical SHA-256 (${baselineFreeze.toFixed(3)} s)`,
    [`${label}: returns scored`]: `${signed.length} returns, ${persons.toLocaleString('en')} persons, ${units.length} unit(s)`,
    [`${label}: score (check, verify, compare, indicators)`]: `${score.toFixed(3)} s, ${(score / baselineScore).toFixed(1)}× the returns' canonical SHA-256 (${baselineScore.toFixed(3)} s)`,
  };
}

export async function runSpotcheckBench(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const dir = await mkdtemp(join(tmpdir(), 'sanxian-spotcheck-'));
  try {
    console.log(`spotcheck: synthetic county 511325, ${options.people.toLocaleString('en')} people (seed ${options.seed}), and ${options.factor}× its cards`);
    console.log(`${cpus().length} cores, 1-minute load ${loadavg()[0].toFixed(2)} at the start, ${new Date().toISOString()}`);
    await generateCounty({ county: '511325', people: options.people, seed: options.seed, year: 2026, asOf: '2026-12-01', out: dir });
    const cards = await readCards(join(dir, 'registry-cards.ndjson'));
    // A first pass, not shown, so that neither size's figure includes compiling the code.
    await measure('warm-up', cards, options);
    printTable(await measure('demo county', cards, options));
    printTable(await measure(`${options.factor}× the demo county`, scaled(cards, options.factor), options));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
