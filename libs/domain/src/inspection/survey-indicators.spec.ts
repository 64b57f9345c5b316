import { compareWithRegistry } from './survey-comparison';
import { clusterRatioInterval, surveyIndicators, wilsonInterval } from './survey-indicators';
import { faithfulReturn, sampleVillage } from './survey-test.factory';

describe('wilsonInterval', () => {
  it('gives the published 95% interval for 8 of 10 (0.4902 – 0.9433)', () => {
    const { lower, upper } = wilsonInterval(0.8, 10);
    expect(lower).toBeCloseTo(0.4902, 4);
    expect(upper).toBeCloseTo(0.9433, 4);
  });

  it('stays within 0 and 1 at the ends', () => {
    expect(wilsonInterval(1, 20).upper).toBe(1);
    expect(wilsonInterval(1, 20).lower).toBeCloseTo(0.8389, 4);
  });
});

describe('clusterRatioInterval', () => {
  it('widens the interval by the design effect of clustered items (computed by hand)', () => {
    // p = 25/30; residuals 9 − 8.333, 10 − 8.333, 6 − 8.333 → Σ² = 8.667; v = 3/2 · 8.667 / 900 = 0.014444;
    // p(1−p)/30 = 0.0046296; deff = 3.12; Wilson at n = 30 / 3.12 = 9.615.
    const estimate = clusterRatioInterval([{ y: 9, m: 10 }, { y: 10, m: 10 }, { y: 6, m: 10 }]);
    expect(estimate.estimate).toBeCloseTo(0.8333, 4);
    expect(estimate.designEffect).toBeCloseTo(3.12, 6);
    expect(estimate.lower).toBeCloseTo(0.51749, 4);
    expect(estimate.upper).toBeCloseTo(0.95886, 4);
    const plain = wilsonInterval(25 / 30, 30);
    expect(estimate.upper! - estimate.lower!).toBeGreaterThan(plain.upper - plain.lower);
  });

  it('takes deff 1 when clusters agree as much as a random sample, and with one cluster', () => {
    expect(clusterRatioInterval([{ y: 5, m: 10 }, { y: 5, m: 10 }]).designEffect).toBe(1);
    const one = clusterRatioInterval([{ y: 8, m: 10 }]);
    expect(one).toMatchObject({ clusters: 1, designEffect: 1 });
    expect(one.lower).toBeCloseTo(0.4902, 4);
    expect(clusterRatioInterval([])).toMatchObject({ estimate: null, lower: null, upper: null });
  });
});

describe('surveyIndicators', () => {
  it('gives each village, township and FP office its shares in percent, and counts what the registry missed', () => {
    const survey = faithfulReturn();
    const woman = survey.groups[0].households[0].persons[0];
    woman.items[woman.items.findIndex((i) => i.item === 'children')] = {
      item: 'children', status: 'checked', value: JSON.stringify([{ birthDate: '2026-02-14' }, { birthDate: '2026-09-01' }]),
    };
    const comparison = compareWithRegistry(survey, sampleVillage(), { from: '2026-01-01', to: '2026-12-31' });
    const units = surveyIndicators([{ townshipCode: '511325101', comparison }]);
    expect(units.map((u) => [u.unitId, u.level])).toEqual([['511325101201', 'village'], ['511325101', 'township'], ['511325101.fpo', 'fp-office']]);
    const township = units[1];
    // 26 items compared, the children item of one woman differs; 2 births found, 1 registered.
    expect(township.itemAgreement).toMatchObject({ numerator: 25, denominator: 26, value: 96.1538, clusters: 1 });
    expect(township.birthAccuracy).toMatchObject({ numerator: 1, denominator: 2, value: 50 });
    expect(township).toMatchObject({ missedBirths: 1, missedPersons: 0, findings: 2, returnIds: [survey.returnId] });
    // The village's clusters are its groups: 01 with 20 items (one off), 02 with 6.
    expect(units[0].itemAgreement.clusters).toBe(2);
  });
});
