import { DownloadOutlined, FileTextOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError, api, downloadFile } from '../api/api-client';
import { ASSESSMENT_LINES, type Scoreboard, type ScoreboardEntry, type ScoreboardGroup } from '@sanxian/api-types';
import { useSession } from '../auth/session';
import { PublishedView, OutcomeTag, VetoText, YearSelect, indicatorOfRecordsLink, mayDrillDown, outcomeColour, recordsPath, useLocalName, yearOf } from '../components/assessment';
import { EChart } from '../components/e-chart';
import { describeError } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { useNarrowScreen } from '../layout/app-layout';
import { regionName } from '../regions/regions';
import { PageTitle } from '../components/page-title';

type Line = Scoreboard['lines'][number];

/**
 * The scoreboard per line and year (`GET /v1/scoreboard`): each line's units ranked within their
 * group, with score, quality and level, the outcome tier (award tiers, no award, yellow card) and
 * any veto in words, and the largest point losses, each a link to the records behind it. A unit
 * opens its breakdown. The workbook (.xlsx, every line) and each line's CSV download from here.
 * Until a plan is published for the year the API answers 404, shown as "no results published yet".
 * A township whose targets are handed down to its villages has its villages ranked on their own
 * (`?villages=<township>`, the API's `township`): the county's lines show townships, FP offices
 * and departments; a township user opens their villages from the selector or the button.
 */
export default function ScoreboardPage() {
  const i18n = useI18n();
  const { t, tk, dateTime } = i18n;
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const line = params.get('line') ?? '';
  const villagesOf = params.get('villages') ?? '';
  const { user } = useSession();
  const year = yearOf(params);
  // The townships whose villages are ranked, as the county's lines list their village groups.
  const [villageTownships, setVillageTownships] = useState<string[]>(villagesOf ? [villagesOf] : []);
  const [state, setState] = useState<{ loading: boolean; board: Scoreboard | null; error: unknown }>({ loading: true, board: null, error: null });
  const [downloading, setDownloading] = useState<string | null>(null);

  const load = useCallback(() => {
    setState({ loading: true, board: null, error: null });
    const controller = new AbortController();
    api<Scoreboard>('/v1/scoreboard', { query: { line: line || undefined, year, township: villagesOf || undefined }, signal: controller.signal }).then(
      (board) => {
        const townships = board.lines.flatMap((l) => l.groups.flatMap((g) => (g.parent ? [g.parent.townshipCode] : [])));
        setVillageTownships((known) => [...new Set([...known, ...townships])].sort());
        setState({ loading: false, board, error: null });
      },
      (error) => {
        if ((error as Error).name === 'AbortError') return;
        setState({ loading: false, board: null, error: error instanceof ApiError && error.status === 404 ? null : error });
      },
    );
    return () => controller.abort();
  }, [line, year, villagesOf]);
  useEffect(load, [load]);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const download = async (what: 'xlsx' | 'csv', forLine?: string) => {
    setDownloading(forLine ?? what);
    try {
      const fileName = what === 'xlsx'
        ? await downloadFile('/v1/scoreboard.xlsx', { year }, `scoreboard-${year}.xlsx`)
        : await downloadFile('/v1/scoreboard.csv', { year, line: forLine }, `scoreboard-${year}-${forLine}.csv`);
      message.success(t('scoreboard.downloaded', { file: fileName }));
    } catch (error) {
      message.error(describeError(error, i18n));
    } finally {
      setDownloading(null);
    }
  };

  // The county's lines leave the village groups out: they are ranked on their own (villagesOf).
  const lines = (state.board?.lines ?? [])
    .map((l) => {
      if (villagesOf) return l;
      const groups = l.groups.filter((g) => !g.parent);
      const kept = new Set(groups.map((g) => g.id));
      return { ...l, groups, units: l.units.filter((u) => kept.has(u.group)) };
    })
    .filter((l) => l.units.length > 0);

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle title={t('scoreboard.title')} intro={t('scoreboard.intro')} />
      <Card>
        <Space wrap size="large">
          <label className="sx-field" style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
            {t('scoreboard.line')}
            <Select aria-label={t('scoreboard.line')} style={{ width: 180 }} value={line} onChange={(v) => set('line', v)}
              options={[{ value: '', label: t('scoreboard.line.all') }, ...ASSESSMENT_LINES.map((l) => ({ value: l, label: tk('scoreboard.line', l) }))]} />
          </label>
          {villageTownships.length > 0 && (
            <label className="sx-field" style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
              {t('scoreboard.villages')}
              <Select aria-label={t('scoreboard.villages')} style={{ width: 200 }} value={villagesOf} onChange={(v) => set('villages', v)} data-testid="villages-select"
                options={[{ value: '', label: t('scoreboard.villages.none') }, ...villageTownships.map((code) => ({ value: code, label: regionName(code) }))]} />
            </label>
          )}
          {!villagesOf && user?.role === 'township' && user.regionCode && villageTownships.includes(user.regionCode.slice(0, 9)) && (
            <Button onClick={() => set('villages', user.regionCode!.slice(0, 9))} data-testid="own-villages">
              {t('scoreboard.villages.of', { township: regionName(user.regionCode.slice(0, 9)) })}
            </Button>
          )}
          <YearSelect year={year} onChange={(v) => set('year', v)} />
          {lines.length > 0 && (
            <Button type="primary" icon={<DownloadOutlined />} onClick={() => download('xlsx')} loading={downloading === 'xlsx'} disabled={downloading !== null && downloading !== 'xlsx'}>
              {downloading === 'xlsx' ? t('scoreboard.downloading') : t('scoreboard.download')}
            </Button>
          )}
        </Space>
      </Card>
      <PublishedView
        loading={state.loading} error={state.error} onRetry={load} data={lines.length > 0 ? lines : null}
        empty={{ testId: 'scoreboard-empty', title: 'scoreboard.empty', hint: 'scoreboard.emptyHint' }}
      >
        {() => (
        <>
          {villagesOf && (
            <Alert type="info" showIcon data-testid="villages-title" message={t('scoreboard.villages.of', { township: regionName(villagesOf) })} description={t('scoreboard.villages.intro')} />
          )}
          <Alert
            type={state.board!.published ? 'success' : 'warning'}
            showIcon
            message={state.board!.published ? t('scoreboard.published', { at: dateTime(state.board!.publishedAt) }) : t('scoreboard.provisional')}
            description={t('scoreboard.planVersion', { plan: state.board!.planId, version: state.board!.planVersion })}
          />
          {lines.map((l) => (
            <LineRanking
              key={l.line}
              line={l}
              year={year}
              downloading={downloading === l.line}
              onCsv={() => download('csv', l.line)}
            />
          ))}
        </>
        )}
      </PublishedView>
    </Space>
  );
}

function LineRanking({ line, year, downloading, onCsv }: { line: Line; year: string; downloading: boolean; onCsv(): void }) {
  const { t, number } = useI18n();
  const name = useLocalName();
  const { user } = useSession();
  const title = name(line.name);
  const narrow = useNarrowScreen();
  // Horizontal bars, best first, one 22-px row per unit: 53 departments' names stay readable, each on its own line.
  const ranked = useMemo(() => [...line.units].sort((a, b) => b.score - a.score || a.rank - b.rank), [line]);
  const chartHeight = Math.max(160, ranked.length * 22 + 48);
  const chart = useMemo(
    () => ({
      grid: { left: 8, right: 40, top: 28, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', name: t('scoreboard.score'), position: 'top', max: 100 },
      yAxis: {
        type: 'category', inverse: true, data: ranked.map((u) => name(u.name)),
        axisLabel: { interval: 0, fontSize: 12, width: narrow ? 110 : 240, overflow: 'truncate' },
      },
      series: [{
        type: 'bar', name: t('scoreboard.score'), barMaxWidth: 16,
        label: { show: true, position: 'right', fontSize: 11 },
        data: ranked.map((u) => ({ value: u.score, itemStyle: { color: outcomeColour(u) } })),
      }],
    }),
    [ranked, name, t, narrow],
  );

  const columns: ColumnsType<ScoreboardEntry> = [
    { title: t('scoreboard.rank'), dataIndex: 'rank', width: 64, align: 'right' },
    {
      title: t('scoreboard.unit'), key: 'name', width: 220,
      render: (_, u) => <Link to={`/scoreboard/units/${encodeURIComponent(u.unitId)}?year=${year}`}>{name(u.name)}</Link>,
    },
    {
      title: t('scoreboard.score'), dataIndex: 'score', align: 'right', width: 90,
      render: (v: number, u) => (
        <Link to={`/scoreboard/units/${encodeURIComponent(u.unitId)}?year=${year}`} aria-label={t('scoreboard.openBreakdown', { unit: name(u.name) })}>
          <strong>{number(v, { maximumFractionDigits: 2 })}</strong>
        </Link>
      ),
    },
    { title: t('scoreboard.quality'), dataIndex: 'quality', align: 'right', width: 80, render: (v: number | null) => (v === null ? '—' : number(v, { maximumFractionDigits: 2 })) },
    { title: t('scoreboard.level'), dataIndex: 'level', align: 'right', width: 80, render: (v: number | null) => (v === null ? '—' : number(v, { maximumFractionDigits: 2 })) },
    { title: t('scoreboard.tier'), key: 'outcome', width: 140, render: (_, u) => <OutcomeTag outcome={u.outcome} /> },
    { title: t('scoreboard.veto'), key: 'veto', width: 220, render: (_, u) => <VetoText unit={u} /> },
    {
      title: t('scoreboard.reasons'), key: 'reasons',
      render: (_, u) => {
        const losses = u.reasons.filter((r) => r.kind !== 'veto');
        if (!losses.length) return <span className="sx-muted">—</span>;
        return (
          <Space direction="vertical" size={0}>
            {losses.map((r) => {
              const indicatorId = indicatorOfRecordsLink(r.records);
              const text = `${name(r.name)} −${number(r.lostPoints ?? 0, { maximumFractionDigits: 1 })}`;
              return indicatorId && mayDrillDown(user, u.unitId)
                ? <Link key={r.key} to={recordsPath(u.unitId, indicatorId, year)}>{text}</Link>
                : <span key={r.key}>{text}</span>;
            })}
          </Space>
        );
      },
    },
  ];

  const groups: ScoreboardGroup[] = line.groups.length ? line.groups : [{ id: '', name: line.name }];
  return (
    <Card
      title={title}
      data-testid={`scoreboard-line-${line.line}`}
      extra={
        <Button icon={<FileTextOutlined />} onClick={onCsv} loading={downloading} aria-label={t('scoreboard.downloadCsvOf', { line: title })}>
          {t('scoreboard.downloadCsv')}
        </Button>
      }
    >
      <div data-testid={`scoreboard-chart-${line.line}`}>
        <EChart option={chart} height={chartHeight} label={t('scoreboard.chart', { line: title })} />
      </div>
      {groups.map((group) => {
        const units = line.units.filter((u) => !group.id || u.group === group.id).sort((a, b) => a.rank - b.rank);
        if (!units.length) return null;
        return (
          <div key={group.id} style={{ marginTop: 16 }}>
            {(groups.length > 1 || group.parent) && <Typography.Title level={4} style={{ fontSize: 16 }}>{name(group.name)}</Typography.Title>}
            {'tieBreaks' in group && group.tieBreaks?.map((applied) => (
              <Alert
                key={applied.tierId}
                type="info"
                showIcon
                style={{ marginBottom: 12 }}
                data-testid="tie-break"
                message={t('scoreboard.tieBreak')}
                description={name(applied.text)}
              />
            ))}
            {narrow ? (
              <UnitCards units={units} year={year} />
            ) : (
            <Table<ScoreboardEntry>
              rowKey="unitId"
              size="middle"
              pagination={false}
              scroll={{ x: 1100 }}
              dataSource={units}
              columns={columns}
              rowClassName={(u) => (u.vetoes.length ? 'sx-row-overdue' : '')}
            />
            )}
            {'tieBreakRule' in group && group.tieBreakRule && (
              <Typography.Paragraph className="sx-muted" style={{ fontSize: 12, margin: '8px 0 0' }}>
                {t('scoreboard.tieBreakRule', { rule: name(group.tieBreakRule) })}
              </Typography.Paragraph>
            )}
          </div>
        );
      })}
    </Card>
  );
}

/** A group's ranking on a phone: one card per unit with rank, score, tier, veto and the largest losses. */
function UnitCards({ units, year }: { units: ScoreboardEntry[]; year: string }) {
  const { t, number } = useI18n();
  const name = useLocalName();
  return (
    <ol style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="scoreboard-cards">
      {units.map((u) => {
        const losses = u.reasons.filter((r) => r.kind !== 'veto');
        return (
          <li key={u.unitId} className="sx-item-card" style={u.vetoes.length ? { boxShadow: 'inset 3px 0 0 #cf1322' } : undefined}>
            <div className="sx-item-line">
              <span>
                <span className="sx-muted">{t('scoreboard.rankShort', { rank: u.rank })}</span>{' '}
                <Link to={`/scoreboard/units/${encodeURIComponent(u.unitId)}?year=${year}`} style={{ fontWeight: 600 }}>{name(u.name)}</Link>
              </span>
              <strong>{number(u.score, { maximumFractionDigits: 2 })} {t('unit.points')}</strong>
            </div>
            <div className="sx-item-line" style={{ marginTop: 4 }}>
              <OutcomeTag outcome={u.outcome} />
              {u.vetoes.length > 0 && <VetoText unit={u} />}
            </div>
            {losses.length > 0 && (
              <div className="sx-muted" style={{ fontSize: 12, marginTop: 4 }}>
                {t('scoreboard.reasons')}：{losses.map((r) => `${name(r.name)} −${number(r.lostPoints ?? 0, { maximumFractionDigits: 1 })}`).join('；')}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
