import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AssessmentPlan } from '@sanxian/domain';
import { demoTownshipResults } from './demo-outcomes';
const PLAN = JSON.parse(readFileSync(join(__dirname, '..', '..', 'libs', 'domain', 'data', 'plans', '511325-2026.json'), 'utf8')) as AssessmentPlan;
it('probe', () => {
  for (const seed of ['1', '2', '3', '4', '5']) {
    const dir = `${process.env.CALIB ?? '/tmp/calib'}/${seed}`;
    if (!existsSync(join(dir, 'manifest.json'))) continue;
    const units = demoTownshipResults(dir, PLAN, seed);
    const lines = units.map((u) => `${u.name.zh} ${u.score} ${u.outcome.name.zh} ${u.vetoes.map((v) => v.vetoId + ':' + (v.conditions ?? []).map((c) => c.measured).join('/')).join(',')} ` +
      ['policy-compliant-rate', 'births-outside-policy', 'birth-statistics-accuracy'].map((id) => {
        const n = u.breakdown.children[0].children.flatMap((d) => d.children).find((x) => x.key.endsWith(id));
        return `${id}=${n?.facts?.value}(${n?.facts?.numerator}/${n?.facts?.denominator})`;
      }).join(' '));
    console.log(seed + '\n' + lines.join('\n'));
  }
});
