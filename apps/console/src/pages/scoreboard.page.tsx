import { DownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError, api, storedSession } from '../api/api-client';
import { EChart } from '../components/e-chart';
import { ErrorState, describeError } from '../components/problem';
import { useI18n } from '../i18n/i18n';

const LINES = ['party-government', 'business', 'department'] as const;

interface Name {
  zh: string;
  en: string;
}

interface ScoreboardUnit {
  unitId: string;
  name: Name;
  rank: number;
  score: number;
  quality: number | null;
  level: number | null;
  outcome: { kind: 'award' | 'no-award' | 'yellow-card'; name: Name };
  vetoes: { vetoId: string; name: Name }[];
  reasons?: { key: string; name: Name; lostPoints: number }[];
}

interface Scoreboard {
  year: number;
  published: boolean;
  publishedAt: string | null;
  lines: { line: string; name: Name; units: ScoreboardUnit[] }[];
}

/**
 * The scoreboard per line and year (`GET /v1/scoreboard`, the scoring engine's API): ranked units
 * with score, outcome tier and veto, and the workbook. Until a plan is published for the year the
 * API answers 404, shown as "no results published yet". A unit's breakdown and the drill-down to
 * the records behind a number are not built here yet.
 */
export default function ScoreboardPage() {
  const i18n = useI18n();
  const { t, tk, language, dateTime } = i18n;
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const thisYear = new Date().getFullYear();
  const line = params.get('line') ?? '';
  const year = params.get('year') ?? String(thisYear);
  const [state, setState] = useState<{ loading: boolean; board: Scoreboard | null; error: unknown }>({ loading: true, board: null, error: null });
  const [downloading, setDownloading] = useState(false);
  const name = useCallback((n: Name | undefined) => (n ? (language === 'zh-CN' ? n.zh : n.en) : ''), [language]);

  const load = useCallback(() => {
    setState({ loading: true, board: null, error: null });
    api<Scoreboard>('/v1/scoreboard', { query: { line: line || undefined, year } }).then(
      (board) => setState({ loading: false, board, error: null }),
      (error) => setState({ loading: false, board: null, error: error instanceof ApiError && error.status === 404 ? null : error }),
    );
  }, [line, year]);
  useEffect(load, [load]);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const download = async () => {
    setDownloading(true);
    try {
      const response = await fetch(`/v1/scoreboard.xlsx?year=${encodeURIComponent(year)}`, { headers: { authorization: `Bearer ${storedSession()?.token ?? ''}` } });
      if (!response.ok) throw new ApiError(response.status, response.statusText);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `scoreboard-${year}.xlsx`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      message.error(describeError(error, i18n));
    } finally {
      setDownloading(false);
    }
  };

  const lines = Array.isArray(state.board?.lines) ? state.board!.lines.filter((l) => Array.isArray(l.units) && l.units.length > 0) : [];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ marginBottom: 4 }}>{t('scoreboard.title')}</Typography.Title>
      <Card>
        <Space wrap size="large">
          <label className="sx-field" style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
            {t('scoreboard.line')}
            <Select aria-label={t('scoreboard.line')} style={{ width: 180 }} value={line} onChange={(v) => set('line', v)}
              options={[{ value: '', label: t('scoreboard.line.all') }, ...LINES.map((l) => ({ value: l, label: tk('scoreboard.line', l) }))]} />
          </label>
          <label className="sx-field" style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
            {t('scoreboard.year')}
            <Select aria-label={t('scoreboard.year')} style={{ width: 120 }} value={year} onChange={(v) => set('year', v)}
              options={[thisYear + 1, thisYear, thisYear - 1, thisYear - 2].map((y) => ({ value: String(y), label: String(y) }))} />
          </label>
          {lines.length > 0 && (
            <Button icon={<DownloadOutlined />} onClick={download} loading={downloading}>
              {downloading ? t('scoreboard.downloading') : t('scoreboard.download')}
            </Button>
          )}
        </Space>
      </Card>
      {state.loading ? (
        <Card><Skeleton active /></Card>
      ) : state.error ? (
        <ErrorState error={state.error} onRetry={load} />
      ) : lines.length === 0 ? (
        <Card>
          <Empty
            data-testid="scoreboard-empty"
            description={
              <Space direction="vertical">
                <Typography.Text strong>{t('scoreboard.empty')}</Typography.Text>
                <Typography.Text className="sx-muted">{t('scoreboard.emptyHint')}</Typography.Text>
              </Space>
            }
          />
        </Card>
      ) : (
        <>
          <Alert
            type={state.board!.published ? 'success' : 'warning'}
            showIcon
            message={state.board!.published ? t('scoreboard.published', { at: dateTime(state.board!.publishedAt) }) : t('scoreboard.provisional')}
          />
          {lines.map((l) => (
            <LineRanking key={l.line} title={name(l.name)} units={l.units} />
          ))}
        </>
      )}
    </Space>
  );
}

function LineRanking({ title, units }: { title: string; units: ScoreboardUnit[] }) {
  const { t, language, number } = useI18n();
  const name = useCallback((n: Name | undefined) => (n ? (language === 'zh-CN' ? n.zh : n.en) : ''), [language]);
  const chart = useMemo(
    () => ({
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: units.map((u) => name(u.name)), axisLabel: { rotate: units.length > 8 ? 40 : 0 } },
      yAxis: { type: 'value' },
      series: [{
        type: 'bar', name: t('scoreboard.score'), barMaxWidth: 24,
        data: units.map((u) => ({ value: u.score, itemStyle: { color: u.vetoes?.length ? '#cf1322' : u.outcome?.kind === 'yellow-card' ? '#d46b08' : '#0958d9' } })),
      }],
    }),
    [units, name, t],
  );
  return (
    <Card title={title}>
      <EChart option={chart} height={240} label={t('scoreboard.chart', { line: title })} />
      <Table<ScoreboardUnit>
        rowKey="unitId"
        size="middle"
        pagination={false}
        dataSource={[...units].sort((a, b) => a.rank - b.rank)}
        columns={[
          { title: t('scoreboard.rank'), dataIndex: 'rank', width: 70 },
          { title: t('scoreboard.unit'), key: 'name', render: (_, u) => name(u.name) },
          { title: t('scoreboard.score'), dataIndex: 'score', align: 'right', render: (v: number) => number(v, { maximumFractionDigits: 2 }) },
          { title: t('scoreboard.quality'), dataIndex: 'quality', align: 'right', render: (v: number | null) => (v === null ? '—' : number(v, { maximumFractionDigits: 2 })) },
          { title: t('scoreboard.level'), dataIndex: 'level', align: 'right', render: (v: number | null) => (v === null ? '—' : number(v, { maximumFractionDigits: 2 })) },
          {
            title: t('scoreboard.outcome'), key: 'outcome',
            render: (_, u) => <Tag color={u.outcome?.kind === 'award' ? 'gold' : u.outcome?.kind === 'yellow-card' ? 'orange' : 'default'}>{name(u.outcome?.name)}</Tag>,
          },
          {
            title: t('scoreboard.veto'), key: 'veto',
            render: (_, u) => (u.vetoes?.length ? <span className="sx-overdue">{t('scoreboard.vetoed')}: {u.vetoes.map((v) => name(v.name)).join('；')}</span> : '—'),
          },
          {
            title: t('scoreboard.reasons'), key: 'reasons',
            render: (_, u) => (u.reasons ?? []).map((r) => `${name(r.name)} −${number(r.lostPoints, { maximumFractionDigits: 1 })}`).join('；'),
          },
        ]}
      />
    </Card>
  );
}
