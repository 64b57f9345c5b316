/**
 * The engine's and the indicator computation's notes and fact problems are English sentences; the
 * Chinese console and the workbook show them in Chinese. Notes typed by assessors pass unchanged.
 * (No imports: the console bundles this file as it is.)
 */
const EXACT: Record<string, string> = {
  'no value': '无数值',
  'no target': '无目标值',
  'no grade': '未评定等级',
  'not covered by any regular check: scored on the year-end assessment alone': '未列入任何平时考核：仅按年终考核计分',
  'not covered by any regular check': '未列入任何平时考核',
  'no population figure': '无人口数',
  "population estimated from the 2020 census by the township's share of women's cards": '人口数按 2020 年人口普查数和本乡镇育龄妇女卡片所占比例推算',
  'no girls notified': '无女婴出生通知',
  'no births on the cards': '卡片上无出生',
  'no discrepancy fell due': '无到期的差异',
  'no confirmed events': '无已确认的事项',
  'no records received': '未收到记录',
  'no records submitted': '未报送记录',
  'no events known': '无已知事项',
  'no verification request fell due': '无到期的协查',
  'no verification request answered': '无已回复的协查',
};

const PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^([\d.]+) found, capped at ([\d.]+)$/, (m) => `合计 ${m[1]} 分，按上限计 ${m[2]} 分`],
  [/^median answer time ([\d.]+) days over (\d+) answered$/, (m) => `回复用时中位数 ${m[1]} 天（已回复 ${m[2]} 件）`],
  [/^median over (\d+) answered$/, (m) => `已回复 ${m[1]} 件的中位数`],
];

/** A note in Chinese: each `; `-separated part translated when it is one of the engine's, else kept. */
export function noteInChinese(note: string): string {
  return note
    .split('; ')
    .map((part) => {
      if (EXACT[part] !== undefined) return EXACT[part];
      for (const [pattern, text] of PATTERNS) {
        const m = pattern.exec(part);
        if (m) return text(m);
      }
      return part;
    })
    .join('；');
}
