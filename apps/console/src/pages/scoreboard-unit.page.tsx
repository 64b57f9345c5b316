import { Alert, Button, Card, Descriptions, Result, Skeleton, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError, api, downloadFile } from '../api/api-client';
import type { BreakdownView, ResponsibilityLetterView, UnitBreakdown } from '@sanxian/api-types';
import { useSession } from '../auth/session';
import { OutcomeTag, VetoText, indicatorOfRecordsLink, mayDrillDown, recordsPath, useLocalName, useNoteText, yearOf } from '../components/assessment';
import { EChart } from '../components/e-chart';
import { ErrorState } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { useNarrowScreen } from '../layout/app-layout';

/** A breakdown row for the tree table: leaves without an empty `children` (which would draw an expander). */
type Row = Omit<BreakdownView, 'children'> & { children?: Row[]; depth: number };

function toRows(node: BreakdownView, depth = 0): Row {
  const children = node.children.map((c) => toRows(c, depth + 1));
  return { ...node, depth, children: children.length ? children : undefined };
}

/** Every indicator node (a period's indicator, not a check under it), in tree order. */
function indicatorNodes(node: BreakdownView): BreakdownView[] {
  const own = node.facts?.records && node.key.split('/').length === 3 ? [node] : [];
  return [...own, ...node.children.flatMap(indicatorNodes)];
}

function allKeys(row: Row): string[] {
  return [row.key, ...(row.children ?? []).flatMap(allKeys)];
}

/**
 * One unit's result (`GET /v1/scoreboard/units/{unitId}`): rank, outcome and vetoes, then its
 * breakdown — year end and regular checks, quality and level, each indicator's points out of its
 * maximum with the value, numerator, denominator and target it was scored on — as a chart and as
 * a table. Every indicator's value (and bar) opens the records behind it.
 */
export default function ScoreboardUnitPage() {
  const { unitId = '' } = useParams();
  const [params] = useSearchParams();
  const year = yearOf(params);
  const { t, tk, number } = useI18n();
  const name = useLocalName();
  const noteText = useNoteText();
  const narrow = useNarrowScreen();
  const { user } = useSession();
  const navigate = useNavigate();
  const [body, setBody] = useState<UnitBreakdown | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    setError(null);
    setBody(null);
    api<UnitBreakdown>(`/v1/scoreboard/units/${encodeURIComponent(unitId)}`, { query: { year } }).then(setBody, setError);
  }, [unitId, year]);
  useEffect(load, [load]);

  const unit = body?.unit;
  const drill = unit ? mayDrillDown(user, unit.unitId) : false;
  const indicators = useMemo(() => (unit ? indicatorNodes(unit.breakdown) : []), [unit]);
  const labelOf = useCallback(
    (n: BreakdownView) => (n.key.startsWith('regular/') ? `${name(n.name)}（${t('unit.regular')}）` : name(n.name)),
    [name, t],
  );
  const chart = useMemo(
    () => ({
      grid: { left: 8, right: 40, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, data: [t('unit.chart.earned'), t('unit.chart.short')] },
      xAxis: { type: 'value', name: t('unit.points') },
      yAxis: { type: 'category', inverse: true, data: indicators.map(labelOf), axisLabel: { width: narrow ? 110 : 180, overflow: 'truncate' } },
      series: [
        {
          type: 'bar', stack: 'points', name: t('unit.chart.earned'), barMaxWidth: 16, itemStyle: { color: '#0958d9' },
          data: indicators.map((n) => Number((n.factor ?? n.score).toFixed(2))),
        },
        {
          type: 'bar', stack: 'points', name: t('unit.chart.short'), barMaxWidth: 16, itemStyle: { color: '#ffa39e' },
          data: indicators.map((n) => Number(Math.max(0, n.max - (n.factor ?? n.score)).toFixed(2))),
        },
      ],
    }),
    [narrow, indicators, labelOf, t],
  );
  const rows = useMemo(() => (unit ? [toRows(unit.breakdown)] : []), [unit]);
  const expanded = useMemo(() => rows.flatMap(allKeys), [rows]);

  if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
    return (
      <Result status="404" title={t('unit.notFound')} subTitle={error.detail}
        extra={<Link to={`/scoreboard?year=${year}`}><Button type="primary">{t('unit.back')}</Button></Link>} />
    );
  }
  if (error) return <ErrorState error={error} onRetry={load} />;
  if (!body || !unit) return <Skeleton active paragraph={{ rows: 10 }} />;

  const fmt = (v: number | undefined | null, digits = 2) => (v === undefined || v === null ? '—' : number(v, { maximumFractionDigits: digits }));
  const columns: ColumnsType<Row> = [
    {
      title: t('unit.col.item'), key: 'name', width: 300,
      render: (_, row) => (
        <span style={{ fontWeight: row.depth <= 1 ? 600 : undefined }}>
          {name(row.name)}
          {row.note && <Typography.Text className="sx-muted" style={{ display: 'block', fontSize: 12, fontWeight: 400 }}>{noteText(row.note)}</Typography.Text>}
        </span>
      ),
    },
    {
      title: t('unit.col.score'), key: 'score', align: 'right', width: 130,
      render: (_, row) => (row.factor !== undefined ? t('unit.factor', { factor: fmt(row.factor) }) : `${fmt(row.score)} / ${fmt(row.max)}`),
    },
    { title: t('unit.col.weight'), dataIndex: 'weight', align: 'right', width: 80, render: (v?: number) => fmt(v, 3) },
    {
      title: t('unit.col.lost'), dataIndex: 'lost', align: 'right', width: 90,
      render: (v?: number) => (v ? <span className="sx-overdue">−{fmt(v)}</span> : fmt(v)),
    },
    {
      title: t('unit.col.value'), key: 'value', align: 'right', width: 110,
      render: (_, row) => {
        const facts = row.facts;
        if (!facts) return '';
        const shown = facts.problem ? <Tag color="warning" bordered={false}>{tk('unit.problem', facts.problem.replace(' ', '-'))}</Tag>
          : facts.grade ?? fmt(facts.value);
        const indicatorId = indicatorOfRecordsLink(facts.records);
        if (!indicatorId || !drill) return shown;
        return (
          <Link
            to={recordsPath(unit.unitId, indicatorId, year)}
            data-testid={row.key.split('/').length === 3 ? `value-${row.key}` : undefined}
            aria-label={t('unit.recordsOf', { indicator: name(row.name), count: facts.evidenceCount })}
          >
            {shown}
          </Link>
        );
      },
    },
    { title: t('unit.col.numerator'), key: 'numerator', align: 'right', width: 90, render: (_, row) => fmt(row.facts?.numerator) },
    { title: t('unit.col.denominator'), key: 'denominator', align: 'right', width: 90, render: (_, row) => fmt(row.facts?.denominator) },
    { title: t('unit.col.target'), key: 'target', align: 'right', width: 90, render: (_, row) => fmt(row.facts?.target) },
    {
      title: t('unit.col.records'), key: 'records', align: 'right', width: 90,
      render: (_, row) => {
        if (!row.facts) return '';
        const indicatorId = indicatorOfRecordsLink(row.facts.records);
        const count = number(row.facts.evidenceCount);
        return indicatorId && drill ? <Link to={recordsPath(unit.unitId, indicatorId, year)}>{count}</Link> : count;
      },
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Link to={`/scoreboard?year=${year}`}>← {t('unit.back')}</Link>
        <Typography.Title level={2} style={{ margin: '8px 0 0' }}>
          {name(unit.name)} <OutcomeTag outcome={unit.outcome} />
        </Typography.Title>
        <Typography.Text className="sx-muted">{t('unit.intro', { year: String(body.year), line: t(`scoreboard.line.${unit.line}`), rank: unit.rank })}</Typography.Text>
      </div>
      {unit.vetoes.length > 0 && (
        <Alert
          type="error"
          showIcon
          role="alert"
          message={<VetoText unit={unit} />}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {unit.vetoes.map((v) => (
                <li key={`${v.vetoId}/${v.checkId ?? ''}`}>
                  {name(v.name)}{v.value !== undefined ? `：${fmt(v.value)}` : ''}{v.note ? `（${noteText(v.note)}）` : ''}
                  {v.evidenceIds.length > 0 && (
                    <span className="sx-muted">　{t('unit.vetoEvidence')}<span translate="no">{v.evidenceIds.slice(0, 3).join('、') + (v.evidenceIds.length > 3 ? '…' : '')}</span></span>
                  )}
                </li>
              ))}
            </ul>
          }
        />
      )}
      {unit.outcome.kind === 'yellow-card' && unit.outcome.reasons.length > 0 && !unit.vetoes.length && (
        <Alert type="warning" showIcon message={unit.outcome.reasons.map(name).join('；')} />
      )}
      <LetterCard unitId={unit.unitId} year={year} />
      <Card>
        <Descriptions size="small" column={{ xs: 2, sm: 2, lg: 4 }} data-testid="unit-summary">
          <Descriptions.Item label={t('scoreboard.score')}><strong>{fmt(unit.score)}</strong></Descriptions.Item>
          <Descriptions.Item label={t('scoreboard.rank')}>{unit.rank}</Descriptions.Item>
          <Descriptions.Item label={t('scoreboard.quality')}>{fmt(unit.quality)}</Descriptions.Item>
          <Descriptions.Item label={t('scoreboard.level')}>{fmt(unit.level)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.yearEnd')}>{fmt(unit.yearEnd)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.regular')}>{fmt(unit.regular)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.bonus')}>{fmt(unit.bonus)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.penalty')}>{fmt(unit.penalty)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={t('unit.chart')} extra={drill ? <Typography.Text className="sx-muted">{t('unit.chartHint')}</Typography.Text> : undefined}>
        <EChart
          option={chart}
          height={Math.max(200, indicators.length * 34 + 60)}
          label={t('unit.chart')}
          testId="unit-chart"
          onClick={drill ? ({ dataIndex }) => {
            const indicatorId = indicatorOfRecordsLink(indicators[dataIndex]?.facts?.records);
            if (indicatorId) navigate(recordsPath(unit.unitId, indicatorId, year));
          } : undefined}
        />
      </Card>
      <Card title={t('unit.breakdown')} extra={!drill ? <Tooltip title={t('unit.noDrillHint')}><Typography.Text className="sx-muted">{t('unit.noDrill')}</Typography.Text></Tooltip> : undefined}>
        <Table<Row>
          data-testid="breakdown-table"
          rowKey="key"
          size="small"
          pagination={false}
          scroll={{ x: 1100 }}
          dataSource={rows}
          columns={columns}
          expandable={{ defaultExpandedRowKeys: expanded, indentSize: 18 }}
        />
      </Card>
    </Space>
  );
}

/** The unit's responsibility letter (责任书) for the year: who signed and when, and the Word document; or that none is recorded yet. */
function LetterCard({ unitId, year }: { unitId: string; year: string }) {
  const { t } = useI18n();
  const [letter, setLetter] = useState<ResponsibilityLetterView | null | undefined>(undefined);
  const [downloading, setDownloading] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    setLetter(undefined);
    api<ResponsibilityLetterView>(`/v1/assessments/${encodeURIComponent(year)}/letters/${encodeURIComponent(unitId)}`, { signal: controller.signal }).then(
      setLetter,
      (error) => { if ((error as Error).name !== 'AbortError') setLetter(null); },
    );
    return () => controller.abort();
  }, [unitId, year]);
  if (letter === undefined) return null;
  const download = async () => {
    setDownloading(true);
    try {
      await downloadFile(letter!.document, undefined, `responsibility-letter-${year}-${unitId}.docx`);
    } finally {
      setDownloading(false);
    }
  };
  return (
    <Card size="small" data-testid="unit-letter">
      <Space wrap>
        <Typography.Text strong>{t('unit.letter')}</Typography.Text>
        {letter === null ? (
          <Typography.Text className="sx-muted">{t('unit.letter.none')}</Typography.Text>
        ) : (
          <>
            <Typography.Text>{t('unit.letter.signed', { post: letter.responsible.post, name: letter.responsible.name, date: letter.signedOn, version: letter.planVersion })}</Typography.Text>
            <Button onClick={download} loading={downloading}>{t('unit.letter.download')}</Button>
          </>
        )}
      </Space>
    </Card>
  );
}
