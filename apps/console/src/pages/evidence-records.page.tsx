import { Alert, Button, Card, Descriptions, Result, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { ApiError, api } from '../api/api-client';
import type { BreakdownView, EvidencePage, EvidenceRecord, UnitBreakdown } from '@sanxian/api-types';
import { useLocalName, yearOf } from '../components/assessment';
import { ErrorState } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { regionName } from '../regions/regions';

/** Records per page. */
const PAGE_SIZE = 20;

function findIndicator(node: BreakdownView, indicatorId: string): BreakdownView | undefined {
  if (node.key.split('/').length === 3 && node.key.endsWith(`/${indicatorId}`)) return node;
  for (const child of node.children) {
    const found = findIndicator(child, indicatorId);
    if (found) return found;
  }
  return undefined;
}

/**
 * The records behind one number (`GET /v1/scoreboard/units/{unitId}/indicators/{indicatorId}/records`):
 * the messages, discrepancies and family cards an indicator of a unit was computed from, paged by
 * the API's cursor (each page fetched once, in order), citizen ids masked. What the number was and
 * how many records stand behind it are shown above the table.
 */
export default function EvidenceRecordsPage() {
  const { unitId = '', indicatorId = '' } = useParams();
  const [params] = useSearchParams();
  const year = yearOf(params);
  const { t, tk, number, day, dateTime } = useI18n();
  const name = useLocalName();
  const [unit, setUnit] = useState<UnitBreakdown | null>(null);
  /** Pages fetched so far, in order, and the cursor of the next. */
  const [pages, setPages] = useState<{ items: EvidenceRecord[][]; next: string | null; total: number | null }>({ items: [], next: null, total: null });
  const [current, setCurrent] = useState(1);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const base = `/v1/scoreboard/units/${encodeURIComponent(unitId)}/indicators/${encodeURIComponent(indicatorId)}/records`;

  const load = useCallback(() => {
    const mine = ++generation.current;
    setError(null);
    setLoading(true);
    setPages({ items: [], next: null, total: null });
    setCurrent(1);
    api<UnitBreakdown>(`/v1/scoreboard/units/${encodeURIComponent(unitId)}`, { query: { year } }).then((u) => mine === generation.current && setUnit(u), () => undefined);
    api<EvidencePage>(base, { query: { year, limit: PAGE_SIZE } }).then(
      (page) => {
        if (mine !== generation.current) return;
        setPages({ items: [page.items], next: page.nextCursor, total: page.total });
        setLoading(false);
      },
      (e) => {
        if (mine !== generation.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [base, unitId, year]);
  useEffect(load, [load]);

  /** Goes to a page, fetching the pages before it that are not here yet (the cursor only goes forward). */
  const goTo = async (page: number) => {
    const mine = generation.current;
    let { items, next } = pages;
    setLoading(true);
    try {
      while (items.length < page && next) {
        const answer = await api<EvidencePage>(base, { query: { year, limit: PAGE_SIZE, cursor: next } });
        if (mine !== generation.current) return;
        items = [...items, answer.items];
        next = answer.nextCursor;
        setPages((p) => ({ ...p, items, next }));
      }
      setCurrent(Math.min(page, items.length));
    } catch (e) {
      setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  const indicator = useMemo(() => (unit ? findIndicator(unit.unit.breakdown, indicatorId) : undefined), [unit, indicatorId]);
  const facts = indicator?.facts;
  const fmt = (v: number | undefined | null) => (v === undefined || v === null ? '—' : number(v, { maximumFractionDigits: 2 }));
  const unitPath = `/scoreboard/units/${encodeURIComponent(unitId)}?year=${year}`;

  if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
    return (
      <Result status="404" title={t('records.notFound')} subTitle={t('records.notFoundHint')}
        extra={<Link to={unitPath}><Button type="primary">{t('records.back')}</Button></Link>} />
    );
  }
  if (error && pages.total === null) return <ErrorState error={error} onRetry={load} />;

  const columns: ColumnsType<EvidenceRecord> = [
    {
      title: t('records.col.type'), dataIndex: 'type', width: 100,
      render: (type: string, r) => <Tag color={r.found ? (type === 'message' ? 'blue' : type === 'discrepancy' ? 'orange' : 'green') : 'default'}>{tk('records.type', type)}</Tag>,
    },
    {
      title: t('records.col.record'), key: 'record',
      render: (_, r) => {
        if (!r.found) return <span className="sx-muted">{r.evidenceId} · {t('records.notHeld')}</span>;
        if (r.type === 'message') return <span>{tk('recordKind', r.kind ?? '')} <Typography.Text className="sx-muted" style={{ fontSize: 12 }}>{r.recordId}</Typography.Text></span>;
        if (r.type === 'discrepancy') return <span>{tk('kind', r.kind ?? '')} · {tk('status', r.status ?? '')}</span>;
        return <span>{t('detail.card')} {r.cardId} <Typography.Text className="sx-muted" style={{ fontSize: 12 }}>v{r.version}</Typography.Text></span>;
      },
    },
    {
      title: t('records.col.person'), key: 'person', width: 190,
      render: (_, r) => {
        const person = r.type === 'discrepancy' ? r.subject : r.type === 'card' ? r.woman : personOf(r.summary);
        return person ? <span>{person.name ?? '—'} <Typography.Text className="sx-muted" style={{ fontSize: 12 }}>{person.citizenId ?? ''}</Typography.Text></span> : '—';
      },
    },
    { title: t('records.col.region'), dataIndex: 'regionCode', width: 130, ellipsis: true, render: (code?: string) => (code ? regionName(code) : '—') },
    {
      title: t('records.col.date'), key: 'date', width: 120,
      render: (_, r) => day(r.type === 'discrepancy' ? r.dueAt : r.eventDate),
    },
    { title: t('records.col.received'), dataIndex: 'receivedAt', width: 160, render: (v?: string) => (v ? dateTime(v) : '—') },
    {
      title: t('records.col.days'), dataIndex: 'daysToReceipt', align: 'right', width: 120,
      render: (v?: number) => (v === undefined || v === null ? '—' : v > 30 ? <span className="sx-overdue">{number(v)} <Tag color="error" bordered={false}>{t('records.late')}</Tag></span> : number(v)),
    },
    {
      title: t('records.col.source'), key: 'source', width: 120,
      render: (_, r) => (r.client ? (r.client.agency ? tk('agency', r.client.agency) : r.client.id) : r.townshipCode ? regionName(r.townshipCode) : '—'),
    },
  ];

  const shown = pages.items[current - 1] ?? [];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Link to={unitPath}>← {t('records.back')}</Link>
        <Typography.Title level={2} style={{ margin: '8px 0 0' }}>
          {indicator ? name(indicator.name) : indicatorId} · {unit ? name(unit.unit.name) : unitId}
        </Typography.Title>
        <Typography.Text className="sx-muted">{t('records.intro', { year })}</Typography.Text>
      </div>
      <Card>
        <Descriptions size="small" column={{ xs: 1, sm: 3, lg: 6 }} data-testid="records-number">
          <Descriptions.Item label={t('unit.col.value')}><strong>{facts?.grade ?? fmt(facts?.value)}</strong></Descriptions.Item>
          <Descriptions.Item label={t('unit.col.numerator')}>{fmt(facts?.numerator)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.col.denominator')}>{fmt(facts?.denominator)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.col.target')}>{fmt(facts?.target)}</Descriptions.Item>
          <Descriptions.Item label={t('unit.col.score')}>{indicator ? `${fmt(indicator.score)} / ${fmt(indicator.max)}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('records.total')}>
            <strong data-testid="records-total">{pages.total === null ? '…' : number(pages.total)}</strong>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      {error !== null && <Alert type="error" showIcon message={t('records.pageFailed')} />}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<EvidenceRecord>
          data-testid="records-table"
          rowKey="evidenceId"
          size="middle"
          loading={loading}
          columns={columns}
          dataSource={shown}
          scroll={{ x: 1150 }}
          expandable={{
            rowExpandable: (r) => Boolean(r.summary),
            expandedRowRender: (r) => <pre className="sx-record">{JSON.stringify(r.summary, null, 2)}</pre>,
          }}
          locale={{ emptyText: loading ? ' ' : t('records.empty') }}
          pagination={{
            current,
            pageSize: PAGE_SIZE,
            total: pages.total ?? 0,
            showSizeChanger: false,
            showTotal: (total) => t('records.totalShort', { total }),
            onChange: (page) => void goTo(page),
          }}
        />
      </Card>
    </Space>
  );
}

function personOf(summary: Record<string, unknown> | undefined): { name: string | null; citizenId: string | null } | null {
  if (!summary) return null;
  for (const key of ['person', 'mother', 'partyA', 'woman']) {
    const value = summary[key] as { name?: string | null; citizenId?: string | null } | null | undefined;
    if (value && typeof value === 'object') return { name: value.name ?? null, citizenId: value.citizenId ?? null };
  }
  return null;
}
