import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND_PATH, RecordKind } from '@sanxian/contracts';
import { cardFiledTokens, idToken, linkFact, registryLinker, type AgencyFact, type LinkResult, type RegistryLinkTarget } from '@sanxian/domain';
import { LinkageBlockRepository, ReconciliationRepository, type StoredAgencyFact } from '@sanxian/persistence';
import { BlockedLinkageCandidates } from '@sanxian/reconciliation';
import { HukouChangeRecord, Manifest, RegistryCardRecord, generateCounty } from '@sanxian/synth';
import { Hub, TestClient, send, startHub, waitUntilProcessed } from '../../../test/support/hub-harness';
import { pushCounty } from '../../../test/support/county-push';
import { citizenId } from '../../../test/support/record-factory';
import { FAULT_HEAVY } from '../../../test/support/synthetic-county';

/**
 * Linkage candidates from PostgreSQL on a synthetic county with every feed fault raised (typos,
 * missing, 15-digit and mistyped ids, birth dates a digit off): each fact, alone or in a chunk of
 * several hundred, links against the cards `cardsFor` loads exactly as against the whole
 * registry; a new card version is found under its new keys after `refreshCards`, not under the
 * old ones, and `factsReachedBy` names the facts its change concerns.
 */
const CHUNK = 300;

function ndjson<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as T);
}

const verdict = (r: LinkResult) => ({ decision: r.decision, personId: r.personId, score: r.score, candidates: r.candidates });
/** All a verdict says, with the target it names, for comparing `linkFacts` with the whole registry's linker. */
const fullVerdict = (r: LinkResult, target: RegistryLinkTarget | undefined) => ({
  method: r.method, decision: r.decision, personId: r.personId, score: r.score, weights: r.weights, candidates: r.candidates,
  runnerUp: r.runnerUp, target,
});
const relative = (s: StoredAgencyFact) => (s.spouseName === undefined ? undefined : { spouseName: s.spouseName });

describe('BlockedLinkageCandidates on a synthetic county with raised fault rates', () => {
  let hub: Hub;
  let dir: string;
  let manifest: Manifest;
  let candidates: BlockedLinkageCandidates;
  let blocks: LinkageBlockRepository;
  let reconciliation: ReconciliationRepository;
  const clients = {} as Record<RecordKind, TestClient>;
  let accepted = 0;

  const push = async (kind: RecordKind, records: unknown[]) => {
    const response = await send(hub.url, clients[kind], 'POST', `/v1/exchange/${KIND_PATH[kind]}`, { records });
    const body = await response.json();
    if (body.rejected) console.log(JSON.stringify(body));
    expect([response.status, body.rejected]).toEqual([202, 0]);
    accepted += body.accepted;
    await waitUntilProcessed(hub, accepted, 60_000);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-linkage-blocks-'));
    manifest = await generateCounty({ county: '511325', people: 24000, seed: '4', year: 2025, out: dir, rates: FAULT_HEAVY });
    hub = await startHub({ worker: true });
    const pushed = await pushCounty(hub, dir);
    Object.assign(clients, pushed.clients);
    accepted += pushed.accepted;
    await waitUntilProcessed(hub, accepted, 120_000);
    candidates = hub.worker!.get(BlockedLinkageCandidates);
    blocks = hub.worker!.get(LinkageBlockRepository);
    reconciliation = hub.worker!.get(ReconciliationRepository);
  });
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('files every card and fact on the first catch-up, under keyed hashes only, and has nothing left to do on the second', async () => {
    const first = await candidates.catchUp();
    const [{ cards, facts }] = await hub.sql<{ cards: number; facts: number }>(
      `SELECT (SELECT count(*)::int FROM registry_woman) AS cards,
         (SELECT count(*)::int FROM canonical_fact WHERE kind <> 'registry-card' AND role IN ('subject', 'party-a', 'party-b', 'mother', 'father')) AS facts`,
    );
    expect(first).toEqual({ rebuilt: true, cards, facts });
    expect(await blocks.counts()).toMatchObject({ cards, facts });
    expect(await candidates.catchUp()).toEqual({ rebuilt: false, cards: 0, facts: 0 });
    expect(await blocks.staleCards(null, 10)).toEqual([]);
    const [{ width }] = await hub.sql<{ width: number }>(`SELECT max(octet_length(key_hash))::int AS width FROM linkage_block`);
    expect(width).toBe(16);
  });

  it('loads cards by id as the whole-registry read gives them', async () => {
    const all = await reconciliation.loadCurrentCards();
    const byId = await blocks.loadCards(all.map((c) => c.cardId));
    expect(byId).toEqual([...all].sort((a, b) => (a.cardId < b.cardId ? -1 : 1)));
  });

  it('links every fact, alone and in chunks of several hundred, as the whole registry does, reading a small part of it', async () => {
    const all = await reconciliation.loadCurrentCards();
    const stored = await reconciliation.loadAgencyFacts();
    expect(stored.length).toBeGreaterThan(1000);
    const whole = registryLinker(all, manifest.asOf);
    const expected = stored.map((s) => verdict(linkFact(s.fact, whole, {}, relative(s))));
    // The county's faults reach linkage: some facts go to review, some link by repairing an id.
    expect(new Set(expected.map((v) => v.decision))).toEqual(new Set(['link', 'review', 'non-link']));

    const alone: ReturnType<typeof verdict>[] = [];
    let cardsRead = 0;
    for (const s of stored) {
      const cards = await candidates.cardsFor([s.fact], manifest.asOf);
      cardsRead += cards.length;
      alone.push(verdict(linkFact(s.fact, registryLinker(cards, manifest.asOf), {}, relative(s))));
    }
    expect(alone).toEqual(expected);
    // A fact reads a few dozen cards at most on average, not the county.
    expect(cardsRead / stored.length).toBeLessThan(all.length / 20);

    const chunked: ReturnType<typeof verdict>[] = [];
    for (let start = 0; start < stored.length; start += CHUNK) {
      const chunk = stored.slice(start, start + CHUNK);
      const linker = registryLinker(await candidates.cardsFor(chunk.map((s) => s.fact), manifest.asOf), manifest.asOf);
      for (const s of chunk) chunked.push(verdict(linkFact(s.fact, linker, {}, relative(s))));
    }
    expect(chunked).toEqual(expected);
  });

  it('gives every fact the whole registry\'s verdict and target through linkFacts, the cards read a page at a time, all at once and in chunks', async () => {
    const all = await reconciliation.loadCurrentCards();
    const stored = await reconciliation.loadAgencyFacts();
    const whole = registryLinker(all, manifest.asOf);
    const expected = stored.map((s) => {
      const result = linkFact(s.fact, whole, {}, relative(s));
      return fullVerdict(result, result.personId === undefined ? undefined : whole.targets.get(result.personId));
    });
    // Some facts are scored against several candidates, with a runner-up, and some link by repairing an id.
    expect(expected.some((v) => v.runnerUp !== undefined && v.method === 'probabilistic')).toBe(true);
    expect(expected.some((v) => v.method === 'citizen-id-repair')).toBe(true);
    // More cards than one page of the pass (LINK_CARD_PAGE): the tallies carry across pages.
    expect(all.length).toBeGreaterThan(2000);

    const atOnce = await candidates.linkFacts(stored, manifest.asOf);
    expect(atOnce.map((v) => fullVerdict(v.result, v.target))).toEqual(expected);
    // Pages of a few cards: a fact's candidates come in many pages.
    const smallPages = await candidates.linkFacts(stored, manifest.asOf, {}, 97);
    expect(smallPages.map((v) => fullVerdict(v.result, v.target))).toEqual(expected);
    const chunked: ReturnType<typeof fullVerdict>[] = [];
    for (let start = 0; start < stored.length; start += CHUNK) {
      for (const v of await candidates.linkFacts(stored.slice(start, start + CHUNK), manifest.asOf)) chunked.push(fullVerdict(v.result, v.target));
    }
    expect(chunked).toEqual(expected);
  });

  it('finds a card under its new name and id once refreshed, not under the old, and names the facts its change concerns', async () => {
    const records = ndjson<RegistryCardRecord>(join(dir, 'registry-cards.ndjson'));
    const all = await reconciliation.loadCurrentCards();
    const stored = await reconciliation.loadAgencyFacts();
    const whole = registryLinker(all, manifest.asOf);
    // A card whose woman some fact links to by her id.
    const linkedTo = stored
      .map((s) => ({ s, result: linkFact(s.fact, whole, {}, relative(s)) }))
      .find(({ result }) => result.decision === 'link' && result.method === 'citizen-id' && result.personId!.endsWith('#woman'))!;
    expect(linkedTo).toBeDefined();
    const cardId = whole.targets.get(linkedTo.result.personId!)!.cardId;
    const before = all.find((c) => c.cardId === cardId)!;
    const current = records.filter((r) => r.cardId === cardId).reduce((a, b) => (b.version > a.version ? b : a));

    // A new version: her name and id corrected (another birth date, so that no key of hers stays the same).
    const version = current.version + 1;
    const newId = citizenId('1998-07-15', 'F', 913);
    const renamed: RegistryCardRecord = {
      ...current, recordId: `RC-${cardId}-v${version}`, version, eventDate: manifest.asOf,
      woman: { ...current.woman, name: '欧阳雪', citizenId: newId, birthDate: '1998-07-15' },
    };
    delete renamed.reportedAt;
    await push('registry-card', [renamed]);
    // A move-out of the woman by her new identity, arriving after the card.
    const template = ndjson<HukouChangeRecord>(join(dir, 'hukou-changes.ndjson'))[0];
    const moveOut: HukouChangeRecord = {
      ...template, recordId: 'HK-LINKAGE-BLOCKS-1', changeType: 'move-out', eventDate: manifest.asOf, regionCode: current.regionCode,
      person: { citizenId: newId, name: '欧阳雪', sex: 'F', birthDate: '1998-07-15' },
    };
    delete moveOut.reportedAt;
    delete moveOut.fromRegionCode;
    delete moveOut.toRegionCode;
    await push('hukou-change', [moveOut]);
    const [{ id: moveOutFactId }] = await hub.sql<{ id: string }>(
      `SELECT f.id::text FROM canonical_fact f JOIN inbound_message m ON m.id = f.message_id WHERE m.record_id = 'HK-LINKAGE-BLOCKS-1'`,
    );
    const newFact: AgencyFact = {
      kind: 'hukou-change', event: 'move-out', eventDate: manifest.asOf, regionCode: current.regionCode, role: 'person',
      person: { citizenId: newId, name: '欧阳雪', sex: 'F', birthDate: '1998-07-15' },
    };
    const oldFact = linkedTo.s.fact;

    // Not refreshed yet: the card is stale, found under its old keys only.
    expect(await blocks.staleCards(null, 1000)).toEqual([cardId]);
    expect((await candidates.cardsFor([newFact], manifest.asOf)).map((c) => c.cardId)).not.toContain(cardId);
    await candidates.blockFacts([moveOutFactId]);
    // Asked before the refresh, as a batch's reconciliation asks: the facts of her old keys and of her new.
    const reached = await candidates.factsReachedBy([cardId], manifest.asOf);
    expect(reached).toEqual(expect.arrayContaining([linkedTo.s.factId, moveOutFactId]));

    await candidates.refreshCards([cardId], manifest.asOf);
    expect(await blocks.staleCards(null, 1000)).toEqual([]);
    const after = (await blocks.loadCards([cardId]))[0];
    expect(after.woman).toMatchObject({ name: '欧阳雪', citizenId: newId });
    expect((await candidates.cardsFor([newFact], manifest.asOf)).map((c) => c.cardId)).toContain(cardId);
    expect(await blocks.cardsFiledUnder([idToken(newId)])).toEqual([cardId]);
    expect(await blocks.cardsFiledUnder([idToken(before.woman.citizenId)])).not.toContain(cardId);
    // No token of her old self (id, name, birth date) is filed for the card any more, unless the new card shares it.
    const oldOnly = cardFiledTokens(before).filter((t) => !cardFiledTokens(after).includes(t));
    expect(oldOnly.length).toBeGreaterThan(0);
    expect(await blocks.cardsFiledUnder(oldOnly)).not.toContain(cardId);
    // The fact of her old identity no longer reaches the card; the new move-out does, and links to her.
    const oldCards = await candidates.cardsFor([oldFact], manifest.asOf);
    expect(oldCards.map((c) => c.cardId)).not.toContain(cardId);
    expect(await candidates.factsReachedBy([cardId], manifest.asOf)).toContain(moveOutFactId);
    const linked = linkFact(newFact, registryLinker(await candidates.cardsFor([newFact], manifest.asOf), manifest.asOf));
    expect(linked).toMatchObject({ decision: 'link', personId: `${cardId}#woman` });

    // And the blocks still give every fact the whole registry's verdict.
    const nowAll = await reconciliation.loadCurrentCards();
    const nowWhole = registryLinker(nowAll, manifest.asOf);
    const sample = (await reconciliation.loadAgencyFacts()).filter((_, i) => i % 7 === 0);
    const linker = registryLinker(await candidates.cardsFor(sample.map((s) => s.fact), manifest.asOf), manifest.asOf);
    expect(sample.map((s) => verdict(linkFact(s.fact, linker, {}, relative(s))))).toEqual(sample.map((s) => verdict(linkFact(s.fact, nowWhole, {}, relative(s)))));
  });

  it('chooses one id\'s place among every card stating it, as the whole registry does, though the fact meets only one of them', async () => {
    // One woman on two cards of two townships (a move the old office never closed): the card of
    // the lower id is her target. A woman of her name and township, born another year with another
    // id, meets by her keys only the other card, where the id is no target.
    const records = ndjson<RegistryCardRecord>(join(dir, 'registry-cards.ndjson'));
    const villages = [...new Set(records.map((r) => r.regionCode))].sort();
    const early = villages[0];
    const late = villages.find((v) => v.slice(0, 9) !== early.slice(0, 9))!;
    const woman = { name: '司马兰', citizenId: citizenId('1996-04-04', 'F', 917), sex: 'F' as const, birthDate: '1996-04-04' };
    const template = records[0];
    const card = (region: string): RegistryCardRecord => {
      const record: RegistryCardRecord = {
        ...template, recordId: `RC-XC-${region}-09999-v1`, cardId: `XC-${region}-09999`, version: 1, regionCode: region, eventDate: manifest.asOf,
        woman: { ...woman, hukouRegionCode: region }, maritalStatus: 'unmarried', children: [], residenceStatus: 'resident',
      };
      delete record.reportedAt;
      delete record.husband;
      delete record.marriageDate;
      delete record.groupCode;
      delete record.householdNumber;
      return record;
    };
    await push('registry-card', [card(early), card(late)]);
    await candidates.catchUp();
    const fact: AgencyFact = {
      kind: 'hukou-change', event: 'move-out', eventDate: manifest.asOf, regionCode: late, role: 'person',
      person: { name: '司马兰', citizenId: citizenId('1985-09-09', 'F', 917), sex: 'F', birthDate: '1985-09-09' },
    };
    const all = await reconciliation.loadCurrentCards();
    const expected = verdict(linkFact(fact, registryLinker(all, manifest.asOf)));
    const cards = await candidates.cardsFor([fact], manifest.asOf);
    expect(cards.map((c) => c.cardId)).toEqual(expect.arrayContaining([`XC-${early}-09999`, `XC-${late}-09999`]));
    expect(verdict(linkFact(fact, registryLinker(cards, manifest.asOf)))).toEqual(expected);
    // A fact without an id meets both cards by her name and birth year; the pass reads each card in
    // its own page, with the other card as her id's other place: her one target is scored once.
    const withoutId: AgencyFact = { ...fact, regionCode: early, person: { name: '司马兰', sex: 'F', birthDate: '1996-04-04' } };
    const whole = registryLinker(all, manifest.asOf);
    const expectedBoth = [fact, withoutId].map((f) => {
      const result = linkFact(f, whole);
      return fullVerdict(result, result.personId === undefined ? undefined : whole.targets.get(result.personId));
    });
    expect(expectedBoth[1]).toMatchObject({ personId: `XC-${early}-09999#woman` });
    const viaPages = await candidates.linkFacts([{ fact }, { fact: withoutId }], manifest.asOf, {}, 1);
    expect(viaPages.map((v) => fullVerdict(v.result, v.target))).toEqual(expectedBoth);
  });

  it('files a staff correction (no new version) once swept, and rebuilds everything under a new key', async () => {
    const [card] = await blocks.loadCards((await reconciliation.loadCurrentCards()).slice(0, 1).map((c) => c.cardId));
    await hub.sql(`UPDATE registry_woman SET updated_at = now() WHERE card_id = $1`, [card.cardId]);
    expect(await blocks.staleCards(null, 10)).toEqual([card.cardId]);
    expect(await candidates.catchUp()).toEqual({ rebuilt: false, cards: 1, facts: 0 });
    await hub.sql(`UPDATE linkage_block_key SET key_check = '\\x00'`);
    const counts = await blocks.counts();
    expect(await candidates.catchUp()).toEqual({ rebuilt: true, cards: counts.cards, facts: counts.facts });
    expect(await blocks.counts()).toEqual(counts);
  });
});
