import { Button, Card, Checkbox, Col, Empty, Row, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api/api-client';
import { DISCREPANCY_KINDS, DISCREPANCY_STATUSES, type DiscrepancyCounts, type DiscrepancyItem } from '@sanxian/api-types';
import { useCursorList } from '../api/use-cursor-list';
import { can } from '../auth/roles';
import { useSession } from '../auth/session';
import { BulkAssignModal } from '../components/bulk-assign-modal';
import { EChart } from '../components/e-chart';
import { ErrorAlert, ErrorState } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { useNarrowScreen } from '../layout/app-layout';
import { allTownships, regionName, villages } from '../regions/regions';
import { PageTitle } from '../components/page-title';

/** Rows per request: a screenful many times over, while the first one stays quick. */
const PAGE_SIZE = 200;
/** Load the next page when a row this close to the end is drawn. */
const PREFETCH_ROWS = 40;
const ROW_HEIGHT = 55;

/** The first time rows are drawn after the page loads: what the browser test reads as the first meaningful paint. */
let firstRowsMarked = false;

function useTableHeight(): number {
  const [height, setHeight] = useState(() => Math.max(360, window.innerHeight - 420));
  useEffect(() => {
    const onResize = () => setHeight(Math.max(360, window.innerHeight - 420));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return height;
}

function useCounts(generation: number) {
  const [counts, setCounts] = useState<DiscrepancyCounts | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const controller = new AbortController();
    api<DiscrepancyCounts>('/v1/discrepancies/counts', { signal: controller.signal })
      .then((c) => {
        setCounts(c);
        setError(null);
      })
      .catch((e) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      });
    return () => controller.abort();
  }, [generation]);
  return { counts, error };
}

export function DiscrepancyQueuePage() {
  const i18n = useI18n();
  const { t, tk, day, dateTime } = i18n;
  const { user } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tableHeight = useTableHeight();
  const narrow = useNarrowScreen();
  const [filtersShown, setFiltersShown] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [selected, setSelected] = useState<string[]>([]);
  const [assigning, setAssigning] = useState(false);

  const isTownshipUser = user?.role === 'township';
  // A township user's region is their township, or one village of it (a village FP specialist).
  const ownRegion = isTownshipUser ? (user?.regionCode ?? undefined) : undefined;
  const township = isTownshipUser ? ownRegion?.slice(0, 9) : (params.get('township') ?? undefined);
  const village = params.get('village') ?? undefined;
  const filters = {
    kind: params.get('kind') ?? undefined,
    status: params.get('status') ?? 'open',
    overdue: params.get('overdue') === 'true',
    mine: params.get('assignee') === 'me',
  };
  const query = {
    kind: filters.kind,
    status: filters.status,
    regionCode: village ?? (isTownshipUser ? undefined : township),
    overdue: filters.overdue ? 'true' : undefined,
    assignee: filters.mine ? 'me' : undefined,
  };
  const list = useCursorList<DiscrepancyItem>('/v1/discrepancies', query, PAGE_SIZE);
  const { counts, error: countsError } = useCounts(generation);
  const canAssign = can(user?.role, 'assign');
  const filtered = Boolean(filters.kind || filters.overdue || filters.mine || village || (!isTownshipUser && township) || filters.status !== 'open');

  useEffect(() => {
    if (!firstRowsMarked && list.items.length > 0) {
      firstRowsMarked = true;
      // Marked after React commits the rows; the browser paints them next.
      requestAnimationFrame(() => performance.mark('sx:queue-first-rows'));
    }
  }, [list.items.length]);

  // A selection is of rows in view: a new filter starts a new one.
  const listKey = JSON.stringify(query);
  const lastKey = useRef(listKey);
  useEffect(() => {
    if (lastKey.current !== listKey) setSelected([]);
    lastKey.current = listKey;
  }, [listKey]);

  const setFilter = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value === undefined || value === '') next.delete(name);
    else next.set(name, value);
    if (name === 'township') next.delete('village');
    setParams(next, { replace: true });
  };

  const reload = () => {
    setGeneration((g) => g + 1);
    list.reload();
  };

  const requestMore = useRef(list.loadMore);
  requestMore.current = list.loadMore;

  const columns: ColumnsType<DiscrepancyItem> = [
    {
      title: t('queue.col.due'), dataIndex: 'dueAt', width: 165, sortOrder: 'ascend', sorter: false, showSorterTooltip: false,
      render: (due: string, row) =>
        row.overdue ? (
          <span className="sx-overdue">{day(due)} <Tag color="error" bordered={false}>{t('queue.overdue')}</Tag></span>
        ) : (
          day(due)
        ),
    },
    {
      title: t('queue.col.kind'), dataIndex: 'kind', width: 180, ellipsis: true,
      render: (kind: string, row) => <Link to={`/discrepancies/${row.id}`}>{tk('kind', kind)}</Link>,
    },
    {
      title: t('queue.col.subject'), key: 'subject', width: 220, ellipsis: true,
      render: (_: unknown, row) => (
        <span>
          {row.subject.name ?? '—'} <Typography.Text className="sx-muted" style={{ fontSize: 12 }} translate="no">{row.subject.citizenId ?? ''}</Typography.Text>
        </span>
      ),
    },
    {
      title: t('queue.col.region'), dataIndex: 'regionCode', width: 190, ellipsis: true,
      render: (code: string, row) => (isTownshipUser ? regionName(code) : `${regionName(row.townshipCode)} · ${regionName(code)}`),
    },
    { title: t('queue.col.status'), dataIndex: 'status', width: 100, ellipsis: true, render: (s: string) => tk('status', s) },
    {
      title: t('queue.col.assignee'), dataIndex: 'assignee', width: 110,
      render: (a: DiscrepancyItem['assignee']) => (a ? <span translate="no">{a.username}</span> : <span className="sx-muted">{t('queue.unassigned')}</span>),
    },
    { title: t('queue.col.raised'), dataIndex: 'raisedAt', width: 160, render: (v: string) => dateTime(v) },
  ];

  const villageOptions = township ? villages(township).filter((v) => !ownRegion || v.code.startsWith(ownRegion)) : [];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle title={t('queue.title')} intro={t('queue.intro')} />

      <QueueCounts
        counts={counts}
        error={countsError}
        showTownships={!isTownshipUser}
        onKind={(kind) => setFilter('kind', kind)}
        onTownship={(code) => setFilter('township', code)}
      />

      {narrow && (
        <Button block onClick={() => setFiltersShown((shown) => !shown)} aria-expanded={filtersShown} aria-controls="queue-filters">
          {filtersShown ? t('queue.filter.hide') : filtered ? t('queue.filter.showActive') : t('queue.filter.show')}
        </Button>
      )}
      {(!narrow || filtersShown) && (
      <Card id="queue-filters" size={narrow ? 'small' : 'default'}>
        <form className="sx-filters" aria-label={t('queue.title')} onSubmit={(e) => e.preventDefault()}>
          <label className="sx-field">
            {t('queue.filter.kind')}
            <Select
              aria-label={t('queue.filter.kind')}
              style={{ width: 190 }}
              value={filters.kind ?? ''}
              onChange={(v) => setFilter('kind', v || undefined)}
              options={[{ value: '', label: t('queue.filter.kindAll') }, ...DISCREPANCY_KINDS.map((k) => ({ value: k, label: tk('kind', k) }))]}
            />
          </label>
          <label className="sx-field">
            {t('queue.filter.status')}
            <Select
              aria-label={t('queue.filter.status')}
              style={{ width: 190 }}
              value={filters.status}
              onChange={(v) => setFilter('status', v === 'open' ? undefined : v)}
              options={[...DISCREPANCY_STATUSES.map((s) => ({ value: s, label: tk('status', s) })), { value: 'all', label: t('status.all') }]}
            />
          </label>
          {!isTownshipUser && (
            <label className="sx-field">
              {t('queue.filter.township')}
              <Select
                aria-label={t('queue.filter.township')}
                style={{ width: 190 }}
                showSearch
                optionFilterProp="label"
                value={township ?? ''}
                onChange={(v) => setFilter('township', v || undefined)}
                options={[{ value: '', label: t('queue.filter.townshipAll') }, ...allTownships().map((r) => ({ value: r.code, label: r.name }))]}
              />
            </label>
          )}
          <label className="sx-field">
            {t('queue.filter.village')}
            <Select
              aria-label={t('queue.filter.village')}
              style={{ width: 210 }}
              showSearch
              optionFilterProp="label"
              disabled={!township}
              value={village ?? ''}
              onChange={(v) => setFilter('village', v || undefined)}
              options={[{ value: '', label: t('queue.filter.villageAll') }, ...villageOptions.map((r) => ({ value: r.code, label: r.name }))]}
            />
          </label>
          <Checkbox checked={filters.overdue} onChange={(e) => setFilter('overdue', e.target.checked ? 'true' : undefined)}>
            {t('queue.filter.overdue')}
          </Checkbox>
          <Checkbox checked={filters.mine} onChange={(e) => setFilter('assignee', e.target.checked ? 'me' : undefined)}>
            {t('queue.filter.mine')}
          </Checkbox>
          <Button onClick={() => setParams(new URLSearchParams(), { replace: true })} disabled={!filtered}>{t('queue.filter.reset')}</Button>
        </form>
      </Card>
      )}

      {list.error !== null && list.items.length > 0 && <ErrorAlert error={list.error} />}
      {list.error !== null && list.items.length === 0 && !list.loading ? (
        <ErrorState error={list.error} onRetry={reload} />
      ) : (
        narrow ? (
          <QueueCards items={list.items} loading={list.loading} isTownshipUser={isTownshipUser} emptyText={<span>{t('queue.empty')} {filtered ? t('queue.emptyFiltered') : t('queue.emptyAll')}</span>}>
            <LoadedFooter list={list} padding="12px 0" />
          </QueueCards>
        ) : (
        <Card styles={{ body: { padding: 0 } }}>
          {canAssign && (
            <div style={{ padding: '12px 16px', display: 'flex', gap: 12, alignItems: 'center', borderBottom: '1px solid #f0f0f0' }}>
              <span aria-live="polite">{t('queue.selected', { count: selected.length })}</span>
              <Button size="small" onClick={() => setSelected(list.items.filter((i) => i.status === 'open').map((i) => i.id))} disabled={!list.items.length}>
                {t('queue.selectAllLoaded')}
              </Button>
              <Button size="small" onClick={() => setSelected([])} disabled={!selected.length}>{t('queue.clearSelection')}</Button>
              <Button type="primary" size="small" onClick={() => setAssigning(true)} disabled={!selected.length}>{t('queue.assign')}</Button>
            </div>
          )}
          <Table<DiscrepancyItem>
            virtual
            data-testid="discrepancy-table"
            rowKey="id"
            size="middle"
            loading={list.loading}
            columns={columns}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 1125 + (canAssign ? 48 : 0), y: tableHeight }}
            rowClassName={(row) => (row.overdue ? 'sx-row-overdue' : '')}
            rowSelection={canAssign ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]), columnWidth: 48 } : undefined}
            onRow={(row, index) => {
              if (index !== undefined && index >= list.items.length - PREFETCH_ROWS && list.hasMore) setTimeout(() => requestMore.current(), 0);
              return {
                onDoubleClick: () => navigate(`/discrepancies/${row.id}`),
                style: { cursor: 'pointer', height: ROW_HEIGHT },
              };
            }}
            locale={{
              emptyText: list.loading ? ' ' : (
                <Empty description={<span>{t('queue.empty')} {filtered ? t('queue.emptyFiltered') : t('queue.emptyAll')}</span>} />
              ),
            }}
          />
          <LoadedFooter list={list} padding="12px 16px" />
        </Card>
        )
      )}

      {assigning && (
        <BulkAssignModal
          ids={selected}
          townships={[...new Set(list.items.filter((i) => selected.includes(i.id)).map((i) => i.townshipCode))]}
          onClose={(changed) => {
            setAssigning(false);
            if (changed) {
              setSelected([]);
              reload();
            }
          }}
        />
      )}
    </Space>
  );
}

/**
 * The counts, compact so that the list starts above the fold: the open and overdue totals and a
 * button per kind (a filter) on one or two lines; the chart and the per-township table open on demand.
 */
function QueueCounts({
  counts, error, showTownships, onKind, onTownship,
}: {
  counts: DiscrepancyCounts | null;
  error: unknown;
  showTownships: boolean;
  onKind(kind: string): void;
  onTownship(code: string): void;
}) {
  const { t, tk, number } = useI18n();
  const [expanded, setExpanded] = useState(false);
  const kinds = useMemo(
    () => Object.entries(counts?.byKind ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]),
    [counts],
  );
  const chart = useMemo(
    () => ({
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: kinds.map(([k]) => tk('kind', k)) },
      series: [{ type: 'bar', name: t('queue.counts.open'), data: kinds.map(([, n]) => n), itemStyle: { color: '#0958d9' }, barMaxWidth: 18 }],
    }),
    [kinds, t, tk],
  );
  if (error) return <ErrorAlert error={error} />;
  if (!counts) return null;
  const open = counts.byStatus.open ?? 0;
  const overdue = counts.byTownship.reduce((sum, row) => sum + row.overdue, 0);

  return (
    <Card
      size="small"
      title={t('queue.counts.byKind')}
      data-testid="queue-counts"
      extra={
        <Button type="link" size="small" onClick={() => setExpanded((e) => !e)} aria-expanded={expanded} aria-controls="queue-counts-detail">
          {expanded ? t('queue.counts.collapse') : showTownships ? t('queue.counts.expandTownships') : t('queue.counts.expand')}
        </Button>
      }
    >
      <Space wrap size={[8, 8]} aria-label={t('queue.counts.byKind')}>
        <span>
          {t('queue.counts.total')} <strong data-testid="queue-open-total">{number(open)}</strong>
          {' · '}
          {t('queue.counts.overdue')} <strong className={overdue > 0 ? 'sx-overdue' : undefined}>{number(overdue)}</strong>
        </span>
        {kinds.map(([kind, n]) => (
          <Button key={kind} size="small" onClick={() => onKind(kind)}>
            {tk('kind', kind)} <strong>{number(n)}</strong>
          </Button>
        ))}
      </Space>
      {expanded && (
        <Row gutter={[16, 16]} id="queue-counts-detail" style={{ marginTop: 12 }}>
          <Col xs={24} xl={showTownships ? 12 : 24}>
            {kinds.length === 0 ? (
              <Empty description={t('queue.emptyAll')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
            ) : (
              <EChart option={chart} height={Math.max(120, kinds.length * 30 + 20)} label={t('queue.counts.byKind')} />
            )}
          </Col>
          {showTownships && (
            <Col xs={24} xl={12}>
              <Typography.Title level={3} style={{ fontSize: 14, margin: '0 0 8px' }}>{t('queue.counts.byTownship')}</Typography.Title>
              <Table
                size="small"
                rowKey="townshipCode"
                pagination={false}
                scroll={{ y: 220 }}
                dataSource={counts.byTownship}
                onRow={(row) => ({ onClick: () => onTownship(row.townshipCode), style: { cursor: 'pointer' } })}
                columns={[
                  {
                    title: t('queue.filter.township'), dataIndex: 'townshipCode',
                    render: (code: string) => <a href={`?township=${code}`} onClick={(e) => { e.preventDefault(); onTownship(code); }}>{regionName(code)}</a>,
                  },
                  { title: t('queue.counts.open'), dataIndex: 'open', align: 'right', render: (n: number) => number(n) },
                  {
                    title: t('queue.counts.overdue'), dataIndex: 'overdue', align: 'right',
                    render: (n: number) => (n > 0 ? <span className="sx-overdue">{number(n)}</span> : number(n)),
                  },
                  { title: t('queue.counts.closed'), dataIndex: 'closed', align: 'right', render: (n: number) => number(n) },
                ]}
              />
            </Col>
          )}
        </Row>
      )}
    </Card>
  );
}

/** The list on a phone: one card per discrepancy, the kind a link to it, by deadline as on a desktop. */
/** How many rows are loaded, and the button for more while there are. */
function LoadedFooter({ list, padding }: { list: { items: unknown[]; hasMore: boolean; loadMore: () => void; loadingMore: boolean }; padding: string }) {
  const { t } = useI18n();
  return (
    <div style={{ padding, display: 'flex', gap: 12, alignItems: 'center' }} aria-live="polite">
      <span className="sx-muted" data-testid="queue-loaded">
        {list.hasMore ? t('queue.loaded', { loaded: list.items.length }) : t('queue.loadedAll', { loaded: list.items.length })}
      </span>
      {list.hasMore && (
        <Button size="small" onClick={list.loadMore} loading={list.loadingMore}>
          {list.loadingMore ? t('queue.loadingMore') : t('queue.loadMore')}
        </Button>
      )}
    </div>
  );
}

function QueueCards({
  items, loading, isTownshipUser, emptyText, children,
}: {
  items: DiscrepancyItem[];
  loading: boolean;
  isTownshipUser: boolean;
  emptyText: ReactNode;
  children: ReactNode;
}) {
  const { t, tk, day } = useI18n();
  useEffect(() => {
    if (!firstRowsMarked && items.length > 0) {
      firstRowsMarked = true;
      requestAnimationFrame(() => performance.mark('sx:queue-first-rows'));
    }
  }, [items.length]);
  if (!items.length) {
    return <Card>{loading ? <Typography.Text className="sx-muted">{t('app.loading')}</Typography.Text> : <Empty description={emptyText} />}</Card>;
  }
  return (
    <div data-testid="discrepancy-cards">
      <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label={t('queue.title')}>
        {items.map((row) => (
          <li key={row.id} className="sx-item-card" data-row-key={row.id} style={row.overdue ? { boxShadow: 'inset 3px 0 0 #cf1322' } : undefined}>
            <div className="sx-item-line">
              <Link to={`/discrepancies/${row.id}`} style={{ fontWeight: 600 }}>{tk('kind', row.kind)}</Link>
              <span className={row.overdue ? 'sx-overdue' : undefined}>
                {day(row.dueAt)} {row.overdue && <Tag color="error" bordered={false}>{t('queue.overdue')}</Tag>}
              </span>
            </div>
            <div className="sx-item-line">
              <span>{row.subject.name ?? '—'} <Typography.Text className="sx-muted" style={{ fontSize: 12 }} translate="no">{row.subject.citizenId ?? ''}</Typography.Text></span>
              <span className="sx-muted">{isTownshipUser ? regionName(row.regionCode) : `${regionName(row.townshipCode)} · ${regionName(row.regionCode)}`}</span>
            </div>
            <div className="sx-item-line sx-muted" style={{ fontSize: 12 }}>
              <span>{tk('status', row.status)}</span>
              {row.assignee ? <span translate="no">{row.assignee.username}</span> : <span>{t('queue.unassigned')}</span>}
            </div>
          </li>
        ))}
      </ul>
      {children}
    </div>
  );
}
