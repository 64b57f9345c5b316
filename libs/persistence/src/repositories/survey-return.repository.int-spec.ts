import { randomUUID } from 'node:crypto';
import { compareWithRegistry, findingDrafts, returnContentHash, type SignedReturn } from '@sanxian/domain';
import { faithfulReturn, sampleVillage } from '@sanxian/domain/testing';
import { ReconciliationRepository, StaffRepository, SurveyReturnRepository, UnitOfWork } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';

const KEY = (n: number) => n.toString(16).padStart(64, 'a');
// An Ed25519 SPKI's fixed prefix and 32 bytes: the repository stores keys, the use-case checks them.
const SPKI = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.alloc(32, 7)]).toString('base64');

describe('SurveyReturnRepository (signing keys, signed returns on their chain, comparisons)', () => {
  const ctx = persistenceSuite();
  let returns: SurveyReturnRepository;
  let unitOfWork: UnitOfWork;
  let inspectorId: string;

  const signed = (returnId: string = randomUUID(), corrects?: string): SignedReturn => ({
    return: { ...faithfulReturn(sampleVillage(), returnId), ...(corrects ? { corrects } : {}) },
    signatures: [{ keyId: KEY(1), algorithm: 'Ed25519', signature: 'c2lnbmF0dXJl' }],
  });
  const append = (entry: SignedReturn) =>
    unitOfWork.run((tx) => returns.append(tx, { signed: entry, townshipCode: '511325101', contentHash: returnContentHash(entry.return), signerIds: [inspectorId], receivedBy: inspectorId }));

  beforeAll(async () => {
    returns = ctx.get(SurveyReturnRepository);
    unitOfWork = ctx.get(UnitOfWork);
    inspectorId = (await ctx.get(StaffRepository).create('sun.inspector', 'pw-pw-pw-pw', 'inspector', null)).id;
  });

  it('enrolls a key once, lists it with its owner, and a revoked key no longer signs', async () => {
    const key = { keyId: KEY(1), staffId: inspectorId, algorithm: 'Ed25519' as const, publicKey: SPKI, label: 'phone', enrolledBy: null };
    expect(await unitOfWork.run((tx) => returns.enrollKey(tx, key))).toBe('enrolled');
    expect(await unitOfWork.run((tx) => returns.enrollKey(tx, key))).toBe('already-enrolled');
    await unitOfWork.run((tx) => returns.enrollKey(tx, { ...key, keyId: KEY(2) }));
    expect((await returns.listKeys(inspectorId)).map((k) => [k.keyId, k.username, k.publicKey])).toEqual(
      expect.arrayContaining([[KEY(1), 'sun.inspector', SPKI], [KEY(2), 'sun.inspector', SPKI]]),
    );
    expect(await unitOfWork.run((tx) => returns.revokeKey(tx, KEY(2), 'phone lost', null))).toBe('revoked');
    expect(await unitOfWork.run((tx) => returns.revokeKey(tx, KEY(2), 'again', null))).toBe('already-revoked');
    expect(await unitOfWork.run((tx) => returns.revokeKey(tx, KEY(9), 'no such key', null))).toBe('not-found');
    expect([...(await returns.activeKeys([KEY(1), KEY(2)])).keys()]).toEqual([KEY(1)]);
    expect((await returns.listKeys()).find((k) => k.keyId === KEY(2))).toMatchObject({ revocationReason: 'phone lost' });
  });

  it('chains returns one after another, stores a second sync of one return once, and verifies the chain', async () => {
    const first = await append(signed());
    const second = await append(signed());
    expect(first).toMatchObject({ status: 'accepted', stored: { chainSeq: '1' } });
    expect(second).toMatchObject({ status: 'accepted', stored: { chainSeq: '2' } });
    const again = await append(second.stored.signed);
    expect(again).toEqual({ status: 'duplicate', stored: second.stored });
    expect(await returns.verifyChain()).toEqual({ checked: 2, breaks: [] });
    expect((await returns.findReturn(first.stored.returnId))!.signed).toEqual(first.stored.signed);
  });

  it.each([
    ['survey_return', `UPDATE survey_return SET village_code = '511325101999'`],
    ['survey_return', `DELETE FROM survey_return`],
    ['survey_return', `TRUNCATE survey_return CASCADE`],
    ['survey_comparison', `DELETE FROM survey_comparison`],
    ['inspector_signing_key', `UPDATE inspector_signing_key SET staff_id = staff_id`],
    ['inspector_key_revocation', `DELETE FROM inspector_key_revocation`],
  ])('the database refuses to change %s: %s', async (table, statement) => {
    const stored = await append(signed());
    await unitOfWork.run((tx) => returns.saveComparison(tx, stored.stored.returnId, '2026-06-10', compareWithRegistry(stored.stored.signed.return, sampleVillage(), { from: '2026-01-01', to: '2026-12-31' }), []));
    await expect(ctx.sql(statement)).rejects.toThrow(new RegExp(`${table} is append-only: (UPDATE|DELETE|TRUNCATE) refused`));
  });

  it('keeps an original and its addendum, and counts only the addendum\'s comparison', async () => {
    const campaign = faithfulReturn().campaignId;
    const before = (await returns.currentComparisons(campaign)).length;
    const original = await append(signed());
    const addendum = await append(signed(randomUUID(), original.stored.returnId));
    const period = { from: '2026-01-01', to: '2026-12-31' };
    for (const entry of [original, addendum]) {
      await unitOfWork.run((tx) => returns.saveComparison(tx, entry.stored.returnId, '2026-06-10', compareWithRegistry(entry.stored.signed.return, sampleVillage(), period), []));
    }
    const current = await returns.currentComparisons(campaign);
    expect(current.map((c) => c.returnId)).toContain(addendum.stored.returnId);
    expect(current.map((c) => c.returnId)).not.toContain(original.stored.returnId);
    expect(current).toHaveLength(before + 1);
    expect(await returns.findReturn(original.stored.returnId)).toBeDefined();
  });

  it("raises a campaign's findings as discrepancies once, from its current returns only, owned by the township", async () => {
    const period = { from: '2026-01-01', to: '2026-12-31' };
    const campaignId = `c-raise-${randomUUID().slice(0, 8)}`;
    const withFinding = (returnId: string, sex: string, corrects?: string) => {
      const entry = signed(returnId, corrects);
      entry.return.campaignId = campaignId;
      const child = entry.return.groups[0].households[0].persons[2];
      child.items = child.items.map((i) => (i.item === 'sex' ? { item: 'sex', status: 'checked', value: sex } : i));
      return entry;
    };
    const save = async (entry: SignedReturn) => {
      const { stored } = await append(entry);
      const comparison = compareWithRegistry(stored.signed.return, sampleVillage(), period);
      await unitOfWork.run((tx) => returns.saveComparison(tx, stored.returnId, '2026-06-10', comparison, findingDrafts(comparison, sampleVillage(), { townshipCode: '511325101' })));
      return stored;
    };
    const original = await save(withFinding(randomUUID(), 'M'));
    const addendum = await save(withFinding(randomUUID(), 'M', original.returnId));
    const raised = await unitOfWork.run((tx) => returns.raiseCampaignFindings(tx, campaignId, '2026-07-20'));
    expect(raised).toHaveLength(1);
    const [row] = await ctx.sql(`SELECT kind, township_code, due_at::text, evidence, agency_value, registry_value, raised_by_run FROM discrepancy WHERE id = $1`, [raised[0]]);
    expect(row).toEqual({
      kind: 'spot-check-finding', township_code: '511325101', due_at: '2026-07-20', raised_by_run: '0',
      evidence: { messageIds: [], recordIds: [], returnIds: [addendum.returnId], cardId: 'card-17' }, agency_value: 'M', registry_value: 'F',
    });
    expect(await unitOfWork.run((tx) => returns.raiseCampaignFindings(tx, campaignId, '2026-07-20'))).toEqual([]);

    // A reconciliation run that finds nothing closes what it no longer finds, but never a spot check's finding.
    const reconciliation = ctx.get(ReconciliationRepository);
    const run = await reconciliation.startRun('test', null, '2026-07-01');
    await reconciliation.applyDrafts(run, null, []);
    expect(await ctx.sql(`SELECT status FROM discrepancy WHERE id = $1`, [raised[0]])).toEqual([{ status: 'open' }]);
  });

  it('names the first broken link when a superuser rewrites a stored return behind the trigger', async () => {
    const victim = await append(signed());
    await ctx.sql(`ALTER TABLE survey_return DISABLE TRIGGER survey_return_append_only`);
    await ctx.sql(`UPDATE survey_return SET signed = jsonb_set(signed, '{return,surveyDate}', '"2026-06-11"') WHERE return_id = $1`, [victim.stored.returnId]);
    await ctx.sql(`ALTER TABLE survey_return ENABLE TRIGGER survey_return_append_only`);
    const { breaks } = await returns.verifyChain();
    expect(breaks).toEqual([{ chainSeq: victim.stored.chainSeq, returnId: victim.stored.returnId, reason: 'the stored signed return does not match its SHA-256' }]);
  });
});
