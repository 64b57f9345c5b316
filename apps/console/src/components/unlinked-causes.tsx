import { useEffect, useState } from 'react';
import { Card, Descriptions, Typography } from 'antd';
import type { ReconciliationRunItem } from '@sanxian/api-types';
import { api } from '../api/api-client';
import { useI18n } from '../i18n/i18n';

/** The latest finished full run's non-links by cause, as `GET /v1/reconciliations` gives them in its counts. */
interface UnlinkedCounts {
  man: number;
  child: number;
  'over-49': number;
  'moved-in': number;
  'no-match': number;
}

/** An incremental run's counts are those of the people it touched: the panel shows the county's, from a full run. */
type RunItem = Omit<ReconciliationRunItem, 'counts'> & { counts: { links?: { nonLink: number }; unlinked?: UnlinkedCounts } | null };

/*
 * Its words live here rather than in messages.ts while the console's pages and terms are being
 * reworked elsewhere: one component to merge, Chinese first as everywhere.
 */
const WORDS = {
  'zh-CN': {
    title: '未匹配的原因（最近一次比对，{asOf}）',
    outside: '不属育龄妇女信息系统管理范围',
    detail: '男性 {man}，15岁以下儿童 {child}，49岁以上妇女 {over49}',
    movedIn: '新迁入、尚未建卡的育龄妇女',
    noMatch: '15–49岁妇女、找不到对应家庭卡',
  },
  en: {
    title: 'Why records were not linked (latest run, {asOf})',
    outside: "Outside the registry's scope",
    detail: 'men {man}, children under 15 {child}, women over 49 {over49}',
    movedIn: 'Women who moved in, no card yet',
    noMatch: 'Women of 15–49 matching no card',
  },
} as const;

/** Why agency records were not linked: people the FP registry does not hold, apart from real linkage failures. */
export function UnlinkedCauses() {
  const { language, number } = useI18n();
  const [run, setRun] = useState<RunItem | null>(null);
  useEffect(() => {
    let live = true;
    api<{ items: RunItem[] }>('/v1/reconciliations', { query: { limit: '20' } })
      .then((r) => live && setRun(r.items.find((i) => i.status === 'done' && i.mode !== 'incremental' && i.counts?.unlinked !== undefined) ?? null))
      .catch(() => undefined); // the queue is the page's subject; this panel is only context
    return () => {
      live = false;
    };
  }, []);
  const u = run?.counts?.unlinked;
  if (!run || !u) return null;
  const w = WORDS[language];
  const fill = (text: string, values: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
  return (
    <Card size="small" title={fill(w.title, { asOf: run.asOf })} data-testid="unlinked-causes">
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={w.outside}>
          {number(u.man + u.child + u['over-49'])}{' '}
          <Typography.Text className="sx-muted">({fill(w.detail, { man: number(u.man), child: number(u.child), over49: number(u['over-49']) })})</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={w.movedIn}>{number(u['moved-in'])}</Descriptions.Item>
        <Descriptions.Item label={w.noMatch}>{number(u['no-match'])}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
