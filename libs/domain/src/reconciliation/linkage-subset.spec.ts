import fc from 'fast-check';
import { buildLinkageIndex, candidatesFor, filedTokens, idToken, searchTokens } from '../linkage/blocking';
import { preparePerson } from '../linkage/comparison';
import { linkById } from '../linkage/link-record';
import { cardFiledTokens, cardValidIds, factLinkagePerson, linkFact, registryLinker } from './registry-linkage';
import { citizenIdFor } from './reconciliation-test.factory';
import type { AgencyFact, RegistryCardView, Sex } from './types';

/**
 * Blocking held outside memory (linkage_block in PostgreSQL) is correct if, for every fact, the
 * cards stating its valid id, and (unless that id links it) the cards whose filed tokens meet its
 * search tokens, each with every card stating a valid id one of them states, link the fact
 * exactly as the whole registry does. A tiny county with many
 * near-namesakes, shared ids (a daughter on her mother's card and on her own, an id on two
 * cards) and the feeds' faults makes the blocks and the id closure matter.
 */

const ASOF = '2025-12-31';
const VILLAGES = ['511325104003', '511325104007', '511325106001'];
const NAMES = ['王丽', '王莉', '王力', '李娜', '李纳', '张英', '张瑛', '刘芳', '刘方', '陈静'];

interface Human {
  name: string;
  birthDate: string;
  sex: Sex;
  village: string;
  serial: number;
}

const humanArbitrary: fc.Arbitrary<Human> = fc.record({
  name: fc.constantFrom(...NAMES),
  birthDate: fc.constantFrom('1990-05-01', '1990-05-02', '1991-05-01', '1990-01-05', '2015-03-03', '2016-03-03'),
  sex: fc.constantFrom('M' as const, 'F' as const),
  village: fc.constantFrom(...VILLAGES),
  serial: fc.integer({ min: 1, max: 3 }),
});

type Fault = 'none' | 'no-id' | 'check-digit' | 'fifteen' | 'name-typo' | 'no-name' | 'year-off';
const faultArbitrary = fc.constantFrom<Fault>('none', 'none', 'none', 'no-id', 'check-digit', 'fifteen', 'name-typo', 'no-name', 'year-off');

/** The human as some source states them, with one of the feeds' faults. */
function stated(h: Human, fault: Fault): { citizenId?: string; name?: string; sex: Sex; birthDate: string } {
  const id = citizenIdFor(h.birthDate, h.sex, h.serial, h.village.slice(0, 6));
  const person: { citizenId?: string; name?: string; sex: Sex; birthDate: string } = { citizenId: id, name: h.name, sex: h.sex, birthDate: h.birthDate };
  if (fault === 'no-id') delete person.citizenId;
  if (fault === 'check-digit') person.citizenId = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
  if (fault === 'fifteen') person.citizenId = id.slice(0, 6) + id.slice(8, 17);
  if (fault === 'name-typo') person.name = NAMES[(NAMES.indexOf(h.name) + 1) % NAMES.length];
  if (fault === 'no-name') delete person.name;
  if (fault === 'year-off') {
    person.birthDate = `${Number(h.birthDate.slice(0, 4)) + 1}${h.birthDate.slice(4)}`;
    delete person.citizenId;
  }
  return person;
}

const cardArbitrary = fc.record({
  woman: fc.tuple(fc.nat(), faultArbitrary),
  husband: fc.option(fc.tuple(fc.nat(), faultArbitrary), { nil: undefined }),
  children: fc.array(fc.tuple(fc.nat(), faultArbitrary), { maxLength: 2 }),
  village: fc.constantFrom(...VILLAGES),
});

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

const factArbitrary = fc.record({ human: fc.nat(), fault: faultArbitrary, village: fc.constantFrom(...VILLAGES) });

function makeCards(humans: Human[], specs: ValueOf<typeof cardArbitrary>[]): RegistryCardView[] {
  const pick = (i: number) => humans[i % humans.length];
  return specs.map((spec, i) => {
    const woman = stated(pick(spec.woman[0]), spec.woman[1]);
    return {
    cardId: `C-${String(i).padStart(3, '0')}`,
    version: 1,
    eventDate: '2025-01-01',
    regionCode: spec.village,
    woman: { ...woman, sex: 'F' as const, citizenId: woman.citizenId ?? '', name: woman.name ?? '' },
    maritalStatus: spec.husband ? 'married' : 'unmarried',
    residenceStatus: 'resident',
    ...(spec.husband ? { husband: stated(pick(spec.husband[0]), spec.husband[1]) } : {}),
    children: spec.children.map(([h, fault], order) => ({ ...stated(pick(h), fault), birthOrder: order + 1, policyCompliant: true })),
    };
  });
}

function makeFact(humans: Human[], spec: ValueOf<typeof factArbitrary>): AgencyFact {
  return {
    kind: 'hukou-change', event: 'move-out', eventDate: '2025-06-01', regionCode: spec.village, role: 'person',
    person: stated(humans[spec.human % humans.length], spec.fault),
  };
}

/** The cards filed under any of these tokens, with every card stating a valid id one of them states. */
function metAndClosed(tokens: ReadonlySet<string>, cards: RegistryCardView[]): RegistryCardView[] {
  const met = cards.filter((card) => cardFiledTokens(card).some((t) => tokens.has(t)));
  const ids = new Set(met.flatMap(cardValidIds));
  return cards.filter((card) => met.includes(card) || cardValidIds(card).some((id) => ids.has(id)));
}

/**
 * What cardsFor computes, in memory: the cards stating the facts' own valid ids; then, for the
 * facts those do not settle by a deterministic link, the cards their tokens meet.
 */
function cardsFor(facts: AgencyFact[], cards: RegistryCardView[]): RegistryCardView[] {
  const persons = facts.map((fact) => preparePerson(factLinkagePerson(fact)));
  const idCards = metAndClosed(new Set(persons.map((p) => p.validId).filter((id) => id !== undefined).map(idToken)), cards);
  const byId = registryLinker(idCards, ASOF).index;
  const unsettled = persons.filter((person) => linkById(person, byId) === undefined);
  const blocked = metAndClosed(new Set(unsettled.flatMap((person) => searchTokens(person))), cards);
  return cards.filter((card) => idCards.includes(card) || blocked.includes(card));
}

const verdict = (r: ReturnType<typeof linkFact>) => ({ decision: r.decision, personId: r.personId, score: r.score, candidates: r.candidates });

describe('blocking as look-ups', () => {
  it('a record\'s candidates are exactly the persons filed under a token it searches', () => {
    fc.assert(
      fc.property(fc.array(humanArbitrary, { minLength: 1, maxLength: 12 }), fc.array(faultArbitrary, { minLength: 12, maxLength: 12 }), fc.nat(), faultArbitrary,
        (humans, faults, pick, fault) => {
          const persons = humans.map((h, i) => ({ personId: `P${i}`, regionCode: h.village, ...stated(h, faults[i]) }));
          const index = buildLinkageIndex(persons);
          const h = humans[pick % humans.length];
          const record = preparePerson({ regionCode: h.village, ...stated(h, fault) });
          const wanted = new Set(searchTokens(record));
          const filed = persons.filter((p) => filedTokens(preparePerson(p)).some((t) => wanted.has(t))).map((p) => p.personId);
          expect([...candidatesFor(record, index)].sort()).toEqual(filed.sort());
        }),
      { numRuns: 200 },
    );
  });
});

describe('linking against the cards a fact\'s tokens reach', () => {
  it('gives every fact the verdict the whole registry gives, alone or in a chunk, whatever order the registry is read in', () => {
    fc.assert(
      fc.property(
        fc.array(humanArbitrary, { minLength: 2, maxLength: 14 }),
        fc.array(cardArbitrary, { minLength: 1, maxLength: 10 }),
        fc.array(factArbitrary, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (humans, cardSpecs, factSpecs, reversed) => {
          const cards = makeCards(humans, cardSpecs);
          const facts = factSpecs.map((s) => makeFact(humans, s));
          const whole = registryLinker(reversed ? [...cards].reverse() : cards, ASOF);
          const chunk = registryLinker(cardsFor(facts, cards), ASOF);
          for (const fact of facts) {
            const expected = verdict(linkFact(fact, whole));
            expect(verdict(linkFact(fact, registryLinker(cardsFor([fact], cards), ASOF)))).toEqual(expected);
            expect(verdict(linkFact(fact, chunk))).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
