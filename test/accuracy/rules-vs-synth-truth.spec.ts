import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile, reconciliationConfig } from '@sanxian/domain';
import { generateCounty } from '@sanxian/synth';
import { synthToRuleInputs } from './synth-to-rule-inputs';

/*
 * The reconciliation rules (libs/domain) against the synthetic county's ground truth (libs/synth):
 * with perfect linkage (every person identified by the truth, every fact tied to its person's
 * card), the rules must find exactly the discrepancies the truth lists — no more, no fewer.
 */

const COUNTIES = [
  { name: '511325 seed 1, as of year end', county: '511325', people: 4000, seed: '1', year: 2025 },
  { name: '511622 seed 7, as of 2025-09-15', county: '511622', people: 4000, seed: '7', year: 2025, asOf: '2025-09-15' },
];

const root = mkdtempSync(join(tmpdir(), 'rules-vs-truth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reconciliation rules against the synthetic truth (perfect linkage)', () => {
  it.each(COUNTIES)('$name: the rules find exactly the truth\'s discrepancies', async ({ name, ...options }) => {
    const dir = join(root, `${options.county}-${options.seed}`);
    await generateCounty({ ...options, out: dir });
    const { manifest, cards, facts, truth } = synthToRuleInputs(dir);
    const config = reconciliationConfig({ asOf: manifest.asOf, countyCode: manifest.county.code, birthGraceDays: manifest.options.graceDays });

    const found = reconcile(cards, facts, config).map((d) => d.key).sort();
    const expected = truth.map((d) => d.key).sort();

    expect(expected.length).toBeGreaterThan(0);
    // The differences first: a readable failure names the keys each side alone has.
    const foundSet = new Set(found);
    const expectedSet = new Set(expected);
    expect({ name, onlyInRules: found.filter((k) => !expectedSet.has(k)), onlyInTruth: expected.filter((k) => !foundSet.has(k)) }).toEqual({
      name,
      onlyInRules: [],
      onlyInTruth: [],
    });
    expect(found).toEqual(expected);

    const kinds = (keys: string[]) => [...new Set(keys.map((k) => k.slice(0, k.indexOf(':'))))].sort();
    expect(kinds(found)).toEqual(expect.arrayContaining(kinds(expected)));
  });
});
