import { ReconciliationService } from '@sanxian/reconciliation';
import { expectJson } from './staff-api';
import { Hub, TestClient, send, waitUntilProcessed } from './hub-harness';
import { citizenId, hukouChange, marriageRecord, registryCard } from './record-factory';

/**
 * The county the verification-request (协查) suites share: in township A a divorced woman whom civil
 * affairs recorded as married (a divorce registration keyed as a marriage: MR-A), and a resident
 * woman the police moved out (HK-A); pushed through the signed exchange API, processed and
 * reconciled, so that each is an open discrepancy whose record an agency can be asked about.
 */
export const VERIFICATION_TOWNSHIP = '511325101';
const VILLAGE_A = '511325101002';
const AS_OF = '2025-12-31';

const woman = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'F', serial), name, sex: 'F' as const, birthDate });
const man = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'M', serial), name, sex: 'M' as const, birthDate });
const divorced = woman('周婷', '1995-03-04', 401);
const husband = man('郑军', '1993-01-01', 402);
const moved = woman('吴芳', '1992-07-08', 403);

const card = (cardId: string, w: ReturnType<typeof woman>, overrides: Record<string, unknown>) =>
  registryCard(1, 41, { recordId: `RC-${cardId}-v1`, cardId, eventDate: '2025-01-10', regionCode: VILLAGE_A, woman: { ...w, hukouRegionCode: VILLAGE_A }, children: [], residenceStatus: 'resident', ...overrides });

/** A registration of the divorced woman and her former husband: MR-A as first sent, or its correction. */
export const divorceMarriageRecord = (recordId: string, registrationType: 'marriage' | 'divorce', eventDate: string) =>
  marriageRecord(1, 41, { recordId, eventDate, regionCode: VILLAGE_A, registrationType, partyA: husband, partyB: divorced });

export interface VerificationCounty {
  clients: Record<'fp' | 'police' | 'civil' | 'health', TestClient>;
  /** The open discrepancies: civil affairs' marriage against the card, the police's move-out against it. */
  discrepancy: Record<'marital' | 'moved', string>;
  /** Messages accepted so far (for waitUntilProcessed). */
  sent: number;
  /** Reconciles as the suites do (as of the county's year end). */
  reconcile(): ReturnType<ReconciliationService['run']>;
}

export async function verificationCounty(hub: Hub): Promise<VerificationCounty> {
  const clients = {
    fp: await hub.createClient('family-planning'),
    police: await hub.createClient('public-security'),
    civil: await hub.createClient('civil-affairs'),
    health: await hub.createClient('health'),
  };
  const county: VerificationCounty = {
    clients, discrepancy: { marital: '', moved: '' }, sent: 0,
    reconcile: () => hub.worker!.get(ReconciliationService).run({ trigger: 'cli', asOf: AS_OF }),
  };
  const push = async (client: TestClient, kindPath: string, records: unknown[]) => {
    const body = await expectJson(await send(hub.url, client, 'POST', `/v1/exchange/${kindPath}`, { records }), 202);
    if (body.rejected) throw new Error(`records rejected: ${JSON.stringify(body.results)}`);
    county.sent += body.accepted;
    await waitUntilProcessed(hub, county.sent);
  };
  await push(clients.fp, 'registry-cards', [
    card('C-A-D', divorced, { maritalStatus: 'divorced', husband: undefined, marriageDate: undefined }),
    card('C-A-R', moved, { maritalStatus: 'married', husband: man('李明', '1990-01-01', 405) }),
  ]);
  await push(clients.civil, 'marriage-records', [divorceMarriageRecord('MR-A', 'marriage', '2025-06-01')]);
  await push(clients.police, 'hukou-changes', [hukouChange(1, 41, { recordId: 'HK-A', eventDate: '2025-08-01', regionCode: VILLAGE_A, changeType: 'move-out', person: moved })]);
  await county.reconcile();
  const rows = await hub.sql(`SELECT id, kind FROM discrepancy WHERE status = 'open'`);
  county.discrepancy.marital = rows.find((r) => r.kind === 'marital-status-conflict').id;
  county.discrepancy.moved = rows.find((r) => r.kind === 'moved-out-still-registered').id;
  return county;
}
