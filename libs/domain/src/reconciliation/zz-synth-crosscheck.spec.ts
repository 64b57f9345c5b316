import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCounty } from '../../../synth/src/generate-county';
import { reconcile } from './reconcile';
import { reconciliationConfig } from './config';
import type { AgencyFact, CardRole, RegistryCardView } from './types';

const lines = (f: string): any[] => { const t = readFileSync(f, 'utf8'); return t === '' ? [] : t.trimEnd().split('\n').map((l) => JSON.parse(l)); };

it.each([['1', '2025-12-31'], ['7', '2025-09-15']])('reproduces the synth truth, seed %s as of %s', async (seed, asOf) => {
  const dir = mkdtempSync(join(tmpdir(), 'xc-'));
  await generateCounty({ people: 20000, seed, county: '511325', asOf, out: dir });
  const truths = lines(join(dir, 'truth/records.ndjson'));
  const kinds: Record<string, string> = { 'registry-card': 'registry-cards', 'hukou-change': 'hukou-changes', 'marriage-record': 'marriage-records', 'birth-notice': 'birth-notices' };
  const recs: any[] = [];
  const ordered: any[] = [];
  for (const [kind, file] of Object.entries(kinds)) {
    recs.push(...lines(join(dir, `${file}.ndjson`)));
    ordered.push(...truths.filter((t) => t.kind === kind));
  }
  truths.splice(0, truths.length, ...ordered);
  expect(recs.length).toBe(truths.length);
  const cards: RegistryCardView[] = [];
  const place = new Map<string, { cardId: string; role: CardRole }>();
  const valid = recs.map((r, i) => ({ r, t: truths[i] })).filter(({ t }) => !t.faults.some((f: string) => f.startsWith('invalid:')));
  for (const { r, t } of valid) {
    if (t.kind !== 'registry-card') continue;
    cards.push({ ...r, recordId: t.recordId });
    for (const [role, id] of Object.entries<string>(t.persons)) {
      const cr: CardRole = role === 'woman' ? 'woman' : role === 'husband' ? 'husband' : 'child';
      const seen = place.get(id);
      if (!seen || (cr === 'woman' && seen.role !== 'woman')) place.set(id, { cardId: r.cardId, role: cr });
    }
  }
  const facts: AgencyFact[] = [];
  for (const { r, t } of valid) {
    if (t.kind === 'registry-card') continue;
    const roles = t.kind === 'hukou-change' ? ['person'] : t.kind === 'marriage-record' ? ['partyA', 'partyB'] : ['mother', 'father'];
    for (const role of roles) {
      const person = r[role];
      if (!person) continue;
      const id = t.persons[role] as string | undefined;
      const link = id === undefined ? undefined : place.get(id);
      facts.push({
        kind: t.kind,
        event: t.kind === 'hukou-change' ? r.changeType : t.kind === 'marriage-record' ? r.registrationType : 'birth',
        eventDate: r.eventDate,
        regionCode: r.regionCode,
        role: role as AgencyFact['role'],
        person,
        personId: id && !id.startsWith('SYN') ? id : undefined,
        cardId: link?.cardId,
        cardRole: link?.role,
        detail: role === 'mother' ? { child: r.child, birthOrder: r.birthOrder } : { fromRegionCode: r.fromRegionCode, toRegionCode: r.toRegionCode },
        recordId: t.recordId,
      });
    }
  }
  const drafts = reconcile(cards, facts, reconciliationConfig({ asOf, countyCode: '511325' }));
  const truth = lines(join(dir, 'truth/discrepancies.ndjson')).map((d) => d.key).sort();
  const got = drafts.map((d) => d.key);
  expect(got.filter((k) => !truth.includes(k))).toEqual([]);
  expect(truth.filter((k: string) => !got.includes(k))).toEqual([]);
  expect(truth.length).toBeGreaterThan(20);
}, 120000);
