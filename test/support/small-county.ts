import { ClientRepository } from '@sanxian/persistence';
import type { PersistenceContext } from './persistence-context';
import { processRecords } from './process-records';
import { citizenId, hukouChange, marriageRecord, registryCard } from './record-factory';

/**
 * A small county, processed without api or worker: in township A (511325101) a woman on an
 * unmarried card whom civil affairs married (C-A-M) and a resident woman the police moved out
 * (C-A-R); in township B (511325102) another unmarried card and marriage (C-B-M).
 * Reconciled as of 2025-12-31, it holds two marital-status conflicts and one moved-out-still-registered.
 */
export const TOWNSHIP_A = '511325101';
export const TOWNSHIP_B = '511325102';
export const VILLAGE_A = '511325101002';
const VILLAGE_B = '511325102202';

export async function smallCounty(ctx: PersistenceContext): Promise<{ clients: Record<'fp' | 'police' | 'civil', string>; messages: Record<string, string> }> {
  const repo = ctx.get(ClientRepository);
  const clients = {
    fp: (await repo.create('family-planning', 'fp')).clientId,
    police: (await repo.create('public-security', 'ps')).clientId,
    civil: (await repo.create('civil-affairs', 'ca')).clientId,
  };
  const woman = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'F', serial), name, sex: 'F', birthDate });
  const man = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'M', serial), name, sex: 'M', birthDate });
  const wifeA = woman('周婷', '1995-03-04', 601);
  const movedA = woman('吴芳', '1992-07-08', 603);
  const wifeB = woman('孙静', '1994-02-03', 604);
  const card = (cardId: string, region: string, w: Record<string, string>, overrides: Record<string, unknown>) =>
    registryCard(1, 61, { recordId: `RC-${cardId}`, cardId, eventDate: '2025-01-10', regionCode: region, woman: { ...w, hukouRegionCode: region }, children: [], residenceStatus: 'resident', ...overrides });
  const unmarried = { maritalStatus: 'unmarried', husband: undefined, marriageDate: undefined };
  const [cardAM, cardAR, cardBM] = await processRecords(ctx, clients.fp, 'registry-card', [
    card('C-A-M', VILLAGE_A, wifeA, unmarried),
    card('C-A-R', VILLAGE_A, movedA, { maritalStatus: 'married', husband: man('李明', '1990-01-01', 605) }),
    card('C-B-M', VILLAGE_B, wifeB, unmarried),
  ]);
  const [marriageA, marriageB] = await processRecords(ctx, clients.civil, 'marriage-record', [
    marriageRecord(1, 61, { recordId: 'MR-A', eventDate: '2025-06-01', regionCode: VILLAGE_A, registrationType: 'marriage', partyA: man('郑军', '1993-01-01', 602), partyB: wifeA }),
    marriageRecord(2, 61, { recordId: 'MR-B', eventDate: '2025-06-02', regionCode: VILLAGE_B, registrationType: 'marriage', partyA: man('陈伟', '1992-05-05', 606), partyB: wifeB }),
  ]);
  const [moveOutA] = await processRecords(ctx, clients.police, 'hukou-change', [
    hukouChange(1, 61, { recordId: 'HK-A', eventDate: '2025-08-01', regionCode: VILLAGE_A, changeType: 'move-out', person: movedA }),
  ]);
  return { clients, messages: { cardAM, cardAR, cardBM, marriageA, marriageB, moveOutA } };
}
