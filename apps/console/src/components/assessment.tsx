import { StopOutlined, TrophyOutlined, WarningOutlined } from '@ant-design/icons';
import { Card, Empty, Select, Skeleton, Space, Tag, Typography } from 'antd';
import { useCallback, type ReactNode } from 'react';
import type { LocalizedName, ScoreboardEntry, UnitOutcome } from '@sanxian/api-types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { ErrorState } from './problem';
// A pure file of the domain library, without imports: bundled as it is.
import { noteInChinese } from '../../../../libs/domain/src/scoring/note-text';

/** A plan's name in the user's language. */
export function useLocalName(): (name: LocalizedName | null | undefined) => string {
  const { language } = useI18n();
  return useCallback((name) => (name ? (language === 'zh-CN' ? name.zh : name.en) : ''), [language]);
}

/** An engine note in the user's language: the engine writes English, the Chinese console shows it in Chinese. */
export function useNoteText(): (note: string | null | undefined) => string {
  const { language } = useI18n();
  return useCallback((note) => (note ? (language === 'zh-CN' ? noteInChinese(note) : note) : ''), [language]);
}

/** The year the scoreboard pages show: the one in the address, else this year. */
export function yearOf(params: URLSearchParams): string {
  const year = params.get('year');
  return year && /^\d{4}$/.test(year) ? year : String(new Date().getFullYear());
}

/**
 * The outcome as a tag that says it in words (never colour alone): an award tier in gold with a
 * trophy, no award plain, a yellow card with a warning sign.
 */
export function OutcomeTag({ outcome }: { outcome: UnitOutcome }) {
  const name = useLocalName();
  // Dark text on the light tag colours, for contrast (4.5:1 and more).
  if (outcome.kind === 'award') {
    return <Tag color="gold" style={{ color: '#613400' }} icon={<TrophyOutlined />} data-outcome="award">{name(outcome.name)}</Tag>;
  }
  if (outcome.kind === 'yellow-card') {
    return <Tag color="orange" style={{ color: '#7a2e00' }} icon={<WarningOutlined />} data-outcome="yellow-card">{name(outcome.name)}</Tag>;
  }
  return <Tag data-outcome="no-award">{name(outcome.name)}</Tag>;
}

/** The vetoes of a unit, in words and in red; a dash when there are none. */
export function VetoText({ unit }: { unit: Pick<ScoreboardEntry, 'vetoes'> }) {
  const { t } = useI18n();
  const name = useLocalName();
  if (!unit.vetoes.length) return <span className="sx-muted">{t('scoreboard.noVeto')}</span>;
  return (
    <span className="sx-overdue" data-testid="veto">
      <StopOutlined /> {t('scoreboard.vetoed')}：{unit.vetoes.map((v) => name(v.name)).join('；')}
    </span>
  );
}

/** The colour of a unit's bar in the charts, with the same meaning as its tag. */
export function outcomeColour(unit: Pick<ScoreboardEntry, 'vetoes' | 'outcome'>): string {
  if (unit.vetoes.length) return '#cf1322';
  if (unit.outcome.kind === 'yellow-card') return '#d46b08';
  if (unit.outcome.kind === 'award') return '#d48806';
  return '#0958d9';
}

/** The console's address of the records behind one indicator of one unit. */
export function recordsPath(unitId: string, indicatorId: string, year: string | number): string {
  return `/scoreboard/units/${encodeURIComponent(unitId)}/indicators/${encodeURIComponent(indicatorId)}?year=${year}`;
}

/** The indicator id of an API records link (`/v1/scoreboard/units/{unit}/indicators/{indicator}/records?year=`). */
export function indicatorOfRecordsLink(href: string | undefined): string | undefined {
  const match = href ? /\/indicators\/([^/?]+)\/records/.exec(href) : null;
  return match ? decodeURIComponent(match[1]) : undefined;
}

/** Whether this user may page a unit's records: everyone, but a township user only their own township's units. */
export function mayDrillDown(user: { role: string; regionCode: string | null } | null | undefined, unitId: string): boolean {
  if (!user) return false;
  return user.role !== 'township' || (user.regionCode !== null && unitId.startsWith(user.regionCode));
}

/** The year picker of the assessment pages: next year, this year, the two before, and the one in the address. */
export function YearSelect({ year, onChange }: { year: string; onChange(year: string): void }) {
  const { t } = useI18n();
  const thisYear = new Date().getFullYear();
  const years = [...new Set([thisYear + 1, thisYear, thisYear - 1, thisYear - 2, Number(year)])].sort((a, b) => b - a);
  return (
    <label className="sx-field" style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
      {t('scoreboard.year')}
      <Select aria-label={t('scoreboard.year')} style={{ width: 120 }} value={year} onChange={onChange} options={years.map((y) => ({ value: String(y), label: String(y) }))} />
    </label>
  );
}

/** What an assessment page shows for a year with nothing published yet: what is missing, and when it comes. */
export function NotPublishedCard({ testId, title, hint }: { testId: string; title: MessageKey; hint: MessageKey }) {
  const { t } = useI18n();
  return (
    <Card>
      <Empty
        data-testid={testId}
        description={
          <Space direction="vertical">
            <Typography.Text strong>{t(title)}</Typography.Text>
            <Typography.Text className="sx-muted">{t(hint)}</Typography.Text>
          </Space>
        }
      />
    </Card>
  );
}

/**
 * An assessment page's body for a year: a skeleton while it loads, the error with a retry, what is
 * missing while nothing is published, else the content (given the data only then).
 */
export function PublishedView<T>({ loading, error, onRetry, data, empty, children }: {
  loading: boolean;
  error: unknown;
  onRetry: () => void;
  /** What was published; null while nothing is. */
  data: T | null;
  empty: { testId: string; title: MessageKey; hint: MessageKey };
  children: (data: T) => ReactNode;
}) {
  if (loading) return <Card><Skeleton active /></Card>;
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (data === null) return <NotPublishedCard {...empty} />;
  return <>{children(data)}</>;
}
