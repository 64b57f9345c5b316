import { ReloadOutlined, RedoOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, DatePicker, Empty, Popconfirm, Row, Select, Skeleton, Space, Spin, Statistic, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/api-client';
import { AGENCIES, type AgencyId, type DeadMessage, type Monitor, type MonitorRejection, type ReplayResult } from '@sanxian/api-types';
import { canUser, departmentAgency } from '../auth/roles';
import { useSession } from '../auth/session';
import { useLocalName } from '../components/assessment';
import { EChart } from '../components/e-chart';
import { ErrorAlert, ErrorState, describeError } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { PageTitle } from '../components/page-title';

const DAY = 86_400_000;
/** One colour per agency, the same in every chart. */
const AGENCY_COLOURS: Record<AgencyId, string> = {
  'public-security': '#0958d9', 'civil-affairs': '#389e0d', health: '#c41d7f', 'family-planning': '#d46b08',
};

function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length <= 400; t += DAY) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

const isDay = (v: string | null): v is string => v !== null && /^\d{4}-\d{2}-\d{2}$/.test(v);

/**
 * The exchange monitor (`GET /v1/exchange/monitor`): per agency and per station, what arrived
 * each day, what was late (received more than 30 days after the event) and what was refused and
 * why, as trend charts with the numbers in tables beside them; and the messages that failed every
 * processing attempt, which an administrator replays from here. County staff, assessors and
 * administrators watch every agency; a department liaison their own.
 */
export default function ExchangeMonitorPage() {
  const i18n = useI18n();
  const { t, tk, number, dateTime } = i18n;
  const { user } = useSession();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const today = chinaToday();
  const to = isDay(params.get('to')) ? params.get('to')! : today;
  const from = isDay(params.get('from')) ? params.get('from')! : new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY).toISOString().slice(0, 10);
  const ownAgency = departmentAgency(user);
  const agency = ownAgency ?? params.get('agency') ?? '';
  const [state, setState] = useState<{ loading: boolean; monitor: Monitor | null; error: unknown }>({ loading: true, monitor: null, error: null });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    api<Monitor>('/v1/exchange/monitor', { query: { from, to, agency: ownAgency ? undefined : agency || undefined }, signal: controller.signal }).then(
      (monitor) => setState({ loading: false, monitor, error: null }),
      (error) => {
        if ((error as Error).name !== 'AbortError') setState((s) => ({ ...s, loading: false, error }));
      },
    );
    return () => controller.abort();
  }, [from, to, agency, ownAgency, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  const set = (values: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(values)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };

  const monitor = state.monitor;
  const presets: { label: string; value: [Dayjs, Dayjs] }[] = [
    { label: t('monitor.last7'), value: [dayjs(today).subtract(6, 'day'), dayjs(today)] },
    { label: t('monitor.last30'), value: [dayjs(today).subtract(29, 'day'), dayjs(today)] },
    { label: t('monitor.last90'), value: [dayjs(today).subtract(89, 'day'), dayjs(today)] },
    { label: t('monitor.thisYear'), value: [dayjs(`${today.slice(0, 4)}-01-01`), dayjs(today)] },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle title={t('monitor.title')} intro={t('monitor.intro', { days: monitor?.lateAfterDays ?? 30 })} />
      <Card>
        <form className="sx-filters" aria-label={t('monitor.title')} onSubmit={(e) => e.preventDefault()}>
          <label className="sx-field">
            {t('monitor.period')}
            <DatePicker.RangePicker
              aria-label={t('monitor.period')}
              allowClear={false}
              value={[dayjs(from), dayjs(to)]}
              presets={presets}
              disabledDate={(d) => d.isAfter(dayjs(today), 'day')}
              onChange={(range) => {
                if (range?.[0] && range[1]) set({ from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') });
              }}
            />
          </label>
          {ownAgency ? (
            <div className="sx-field">
              {t('monitor.agency')}
              <div><Tag color="blue">{tk('agency', ownAgency)}</Tag><span className="sx-muted">{t('monitor.ownAgencyOnly')}</span></div>
            </div>
          ) : (
            <label className="sx-field">
              {t('monitor.agency')}
              <Select
                aria-label={t('monitor.agency')}
                style={{ width: 180 }}
                value={agency}
                onChange={(v) => set({ agency: v || undefined })}
                options={[{ value: '', label: t('monitor.agencyAll') }, ...AGENCIES.map((a) => ({ value: a, label: tk('agency', a) }))]}
              />
            </label>
          )}
          <Button icon={<ReloadOutlined />} onClick={reload} loading={state.loading}>{t('monitor.refresh')}</Button>
        </form>
      </Card>

      {state.error !== null && monitor !== null && <ErrorAlert error={state.error} />}
      {state.error !== null && monitor === null ? (
        <ErrorState error={state.error} onRetry={reload} />
      ) : monitor === null ? (
        <Card><Skeleton active paragraph={{ rows: 8 }} /></Card>
      ) : (
        // A new period or agency is being fetched: what is shown stays, dimmed, until it comes.
        <Spin spinning={state.loading} tip={t('app.loading')}>
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Row gutter={[16, 16]}>
            <Col xs={12} lg={6}>
              <Card size="small">
                <Statistic title={t('monitor.received')} value={monitor.totals.received} formatter={(v) => number(Number(v))} />
                {/* The registry's initial load and history imports are counted apart: they are never late. */}
                {monitor.totals.initialLoad > 0 && (
                  <Typography.Text className="sx-muted" data-testid="initial-load">{t('monitor.initialLoad')}：{number(monitor.totals.initialLoad)}</Typography.Text>
                )}
              </Card>
            </Col>
            <Col xs={12} lg={6}>
              <Card size="small">
                <Statistic title={t('monitor.lateShare', { days: monitor.lateAfterDays })} value={percent(monitor.totals.lateShare, i18n.number)}
                  valueStyle={(monitor.totals.lateShare ?? 0) > 0.1 ? { color: '#cf1322' } : undefined} />
              </Card>
            </Col>
            <Col xs={12} lg={6}><Card size="small"><Statistic title={t('monitor.rejected')} value={monitor.totals.rejected} formatter={(v) => number(Number(v))} /></Card></Col>
            <Col xs={12} lg={6}>
              <Card size="small">
                <Statistic title={t('monitor.dead')} value={monitor.totals.dead} formatter={(v) => number(Number(v))} valueStyle={monitor.totals.dead > 0 ? { color: '#cf1322' } : undefined} />
              </Card>
            </Col>
          </Row>
          {monitor.bulkLoads.open.length > 0 && (
            // Reconciliation after intake waits for these: say why the discrepancies have not moved yet.
            <Alert type="info" showIcon data-testid="bulk-loads" message={t('monitor.bulkLoadsOpen', { minutes: Math.round(monitor.bulkLoads.quietMs / 60_000) })}
              description={<ul style={{ margin: 0, paddingLeft: 20 }}>{monitor.bulkLoads.open.map((l) => (
                <li key={l.clientId}>{t('monitor.bulkLoad', { client: l.clientName, agency: tk('agency', l.agency), records: number(l.records), last: dateTime(new Date(l.lastDeliveryAt)), until: dateTime(new Date(l.quietEndsAt)) })}</li>
              ))}</ul>} />
          )}
          <AgencyTable monitor={monitor} />
          <Trends monitor={monitor} />
          <StationTable monitor={monitor} />
          <Rejections monitor={monitor} />
          <DeadMessages
            monitor={monitor}
            canReplay={canUser(user, 'replayDead')}
            onReplayed={(result) => {
              message.success(t('monitor.replayed', { messages: result.messages, batches: result.batches }));
              reload();
              // The worker processes the replayed batches within seconds: look again then.
              setTimeout(reload, 3000);
            }}
            onError={(error) => message.error(describeError(error, i18n))}
          />
          <Typography.Text className="sx-muted">{t('monitor.asOf', { from: i18n.day(monitor.from), to: i18n.day(monitor.to), at: dateTime(new Date()) })}</Typography.Text>
        </Space>
        </Spin>
      )}
    </Space>
  );
}

function percent(share: number | null, number: (v: number, o?: Intl.NumberFormatOptions) => string): string {
  return share === null ? '—' : number(share, { style: 'percent', maximumFractionDigits: 1 });
}

function AgencyTable({ monitor }: { monitor: Monitor }) {
  const { t, tk, number } = useI18n();
  return (
    <Card title={t('monitor.byAgency')} size="small">
      <Table
        data-testid="monitor-agencies"
        rowKey="agency"
        size="small"
        pagination={false}
        dataSource={monitor.agencies}
        columns={[
          { title: t('monitor.agency'), dataIndex: 'agency', render: (a: string) => tk('agency', a) },
          { title: t('monitor.received'), dataIndex: 'received', align: 'right', render: (n: number) => <span data-col="received">{number(n)}</span> },
          { title: t('monitor.initialLoad'), dataIndex: 'initialLoad', align: 'right', render: (n: number) => <span data-col="initial-load">{number(n)}</span> },
          { title: t('monitor.late'), dataIndex: 'late', align: 'right', render: (n: number) => <span data-col="late">{number(n)}</span> },
          { title: t('monitor.lateShare', { days: monitor.lateAfterDays }), dataIndex: 'lateShare', align: 'right', render: (s: number | null) => percent(s, number) },
          { title: t('monitor.rejected'), dataIndex: 'rejected', align: 'right', render: (n: number) => <span data-col="rejected">{number(n)}</span> },
          {
            title: t('monitor.dead'), dataIndex: 'dead', align: 'right',
            render: (n: number) => <span data-col="dead" className={n > 0 ? 'sx-overdue' : undefined}>{number(n)}</span>,
          },
        ]}
      />
    </Card>
  );
}

function Trends({ monitor }: { monitor: Monitor }) {
  const { t, tk, day } = useI18n();
  const series = useMemo(() => {
    const days = daysBetween(monitor.from, monitor.to);
    const agencies = monitor.agencies.map((a) => a.agency);
    const at = new Map(monitor.days.map((d) => [`${d.day}|${d.agency}`, d]));
    const of = (a: AgencyId, pick: (d: Monitor['days'][number]) => number | null) =>
      days.map((d) => {
        const row = at.get(`${d}|${a}`);
        return row ? pick(row) : pick({ day: d, agency: a, received: 0, initialLoad: 0, late: 0, rejected: 0 });
      });
    return { days, agencies, of };
  }, [monitor]);
  const charts = useMemo(() => {
    const base = (yName: string) => ({
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: series.agencies.map((a) => tk('agency', a)) },
      xAxis: { type: 'category', data: series.days.map((d) => day(d)), axisLabel: { fontSize: 11 } },
      yAxis: { type: 'value', name: yName, minInterval: 1 },
    });
    const bars = (stack: string, pick: (d: Monitor['days'][number]) => number) => series.agencies.map((a) => ({
      type: 'bar', stack, name: tk('agency', a), itemStyle: { color: AGENCY_COLOURS[a] }, barMaxWidth: 18, data: series.of(a, pick),
    }));
    return {
      received: { ...base(t('monitor.records')), series: bars('received', (d) => d.received) },
      late: {
        ...base('%'),
        yAxis: { type: 'value', name: '%', max: 100, min: 0 },
        series: series.agencies.map((a) => ({
          type: 'line', name: tk('agency', a), itemStyle: { color: AGENCY_COLOURS[a] }, showSymbol: series.days.length <= 60, connectNulls: false,
          data: series.of(a, (d) => (d.received ? Math.round((1000 * d.late) / d.received) / 10 : null)),
        })),
      },
      rejected: { ...base(t('monitor.records')), series: bars('rejected', (d) => d.rejected) },
    };
  }, [series, t, tk, day]);

  if (!monitor.days.length) {
    return <Card title={t('monitor.trends')} size="small"><Empty description={t('monitor.noRecords')} /></Card>;
  }
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24}>
        <Card title={t('monitor.chart.received')} size="small">
          <EChart option={charts.received} height={260} label={t('monitor.chart.received')} testId="chart-received" />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card title={t('monitor.chart.late', { days: monitor.lateAfterDays })} size="small">
          <EChart option={charts.late} height={240} label={t('monitor.chart.late', { days: monitor.lateAfterDays })} testId="chart-late" />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card title={t('monitor.chart.rejected')} size="small">
          <EChart option={charts.rejected} height={240} label={t('monitor.chart.rejected')} testId="chart-rejected" />
        </Card>
      </Col>
    </Row>
  );
}

function StationTable({ monitor }: { monitor: Monitor }) {
  const { t, tk, number } = useI18n();
  const name = useLocalName();
  return (
    <Card title={t('monitor.byStation')} size="small">
      <Table
        data-testid="monitor-stations"
        rowKey={(s) => `${s.agency}|${s.stationCode ?? ''}`}
        size="small"
        dataSource={monitor.stations}
        pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
        locale={{ emptyText: t('monitor.noRecords') }}
        columns={[
          { title: t('monitor.agency'), dataIndex: 'agency', width: 140, render: (a: string) => tk('agency', a) },
          {
            title: t('monitor.station'), key: 'station',
            render: (_, s) => (s.stationCode
              ? <span>{s.stationName ? name(s.stationName) : s.stationCode} {s.stationName && <Typography.Text className="sx-muted" style={{ fontSize: 12 }}>{s.stationCode}</Typography.Text>}</span>
              : <span className="sx-muted">{t('monitor.noStation')}</span>),
          },
          { title: t('monitor.received'), dataIndex: 'received', align: 'right', render: (n: number) => number(n) },
          { title: t('monitor.late'), dataIndex: 'late', align: 'right', render: (n: number) => number(n) },
          {
            title: t('monitor.lateShare', { days: monitor.lateAfterDays }), dataIndex: 'lateShare', align: 'right',
            render: (s: number | null) => <span className={(s ?? 0) > 0.1 ? 'sx-overdue' : undefined}>{percent(s, number)}</span>,
            sorter: (a, b) => (a.lateShare ?? -1) - (b.lateShare ?? -1),
          },
          { title: t('monitor.rejected'), dataIndex: 'rejected', align: 'right', render: (n: number) => number(n), sorter: (a, b) => a.rejected - b.rejected },
        ]}
      />
    </Card>
  );
}

function Rejections({ monitor }: { monitor: Monitor }) {
  const { t, tk, number, day, dateTime, language } = useI18n();
  // The intake's messages are English (they answer the departments' systems); in Chinese the reason is
  // its code's words, the message in the tooltip.
  const reasonText = (code: string | undefined, message: string | null | undefined) => {
    const words = code ? tk('monitor.code', code) : undefined;
    return language === 'zh-CN' && code && words !== code ? words : (message ?? code ?? '');
  };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={11}>
        <Card title={t('monitor.reasons')} size="small">
          <Table
            data-testid="monitor-reasons"
            rowKey={(r) => `${r.agency}|${r.kind}|${r.code}|${r.path}`}
            size="small"
            dataSource={monitor.rejectionReasons}
            pagination={{ pageSize: 8, hideOnSinglePage: true, showSizeChanger: false }}
            locale={{ emptyText: t('monitor.noRejections') }}
            columns={[
              { title: t('monitor.recordKind'), key: 'kind', render: (_, r) => `${tk('agency', r.agency)} · ${tk('recordKind', r.kind)}` },
              // The field is the exchange contract's (a JSON pointer, as the departments' systems name it): shown as written.
              { title: t('monitor.field'), dataIndex: 'path', render: (p: string) => <code translate="no">{p || '/'}</code> },
              { title: t('monitor.reason'), key: 'reason', render: (_, r) => <span title={r.example ?? r.code}>{reasonText(r.code, r.example)}</span> },
              { title: t('monitor.count'), dataIndex: 'count', align: 'right', render: (n: number) => number(n) },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} xl={13}>
        <Card title={t('monitor.recentRejections')} size="small">
          <Table<MonitorRejection>
            rowKey="id"
            size="small"
            dataSource={monitor.rejections}
            pagination={{ pageSize: 8, hideOnSinglePage: true, showSizeChanger: false }}
            locale={{ emptyText: t('monitor.noRejections') }}
            columns={[
              { title: t('monitor.receivedAt'), dataIndex: 'receivedAt', width: 160, render: (v: string) => dateTime(v) },
              { title: t('monitor.recordKind'), key: 'kind', width: 170, render: (_, r) => `${tk('agency', r.agency)} · ${tk('recordKind', r.kind)}` },
              { title: t('monitor.recordId'), dataIndex: 'recordId', width: 130, render: (v: string | null) => v ?? '—' },
              { title: t('monitor.eventDate'), dataIndex: 'eventDate', width: 110, render: (v: string | null) => (v ? day(v) : '—') },
              {
                title: t('monitor.reason'), key: 'errors',
                render: (_, r) => r.errors.map((e, i) => <div key={i} title={e.message}><code translate="no">{e.path || '/'}</code> {reasonText(e.code, e.message)}</div>),
              },
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}

function DeadMessages({ monitor, canReplay, onReplayed, onError }: {
  monitor: Monitor;
  canReplay: boolean;
  onReplayed(result: ReplayResult): void;
  onError(error: unknown): void;
}) {
  const { t, tk, dateTime, number } = useI18n();
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState<'selected' | 'all' | null>(null);
  useEffect(() => setSelected((s) => s.filter((id) => monitor.dead.items.some((d) => d.messageId === id))), [monitor]);

  const replay = async (which: 'selected' | 'all') => {
    setBusy(which);
    try {
      const result = await api<ReplayResult>('/v1/exchange/monitor/dead/replay', { method: 'POST', body: which === 'all' ? { all: true } : { messageIds: selected } });
      setSelected([]);
      onReplayed(result);
    } catch (error) {
      onError(error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card
      title={<span>{t('monitor.deadTitle')} {monitor.dead.total > 0 && <Tag color="error">{number(monitor.dead.total)}</Tag>}</span>}
      size="small"
      data-testid="dead-messages"
      extra={canReplay && monitor.dead.total > 0 ? (
        <Space>
          <span aria-live="polite" className="sx-muted">{t('queue.selected', { count: selected.length })}</span>
          <Button icon={<RedoOutlined />} type="primary" disabled={!selected.length || busy !== null} loading={busy === 'selected'} onClick={() => void replay('selected')}>
            {t('monitor.replaySelected')}
          </Button>
          <Popconfirm title={t('monitor.replayAllConfirm', { count: monitor.dead.total })} okText={t('monitor.replayAll')} onConfirm={() => replay('all')}>
            <Button disabled={busy !== null} loading={busy === 'all'}>{t('monitor.replayAll')}</Button>
          </Popconfirm>
        </Space>
      ) : undefined}
    >
      {monitor.dead.total === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('monitor.noDead')} />
      ) : (
        <>
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={canReplay ? t('monitor.deadHintAdmin') : t('monitor.deadHint')} />
          <Table<DeadMessage>
            rowKey="messageId"
            size="small"
            dataSource={monitor.dead.items}
            pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
            rowSelection={canReplay ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]) } : undefined}
            columns={[
              { title: t('monitor.diedAt'), dataIndex: 'diedAt', width: 160, render: (v: string) => dateTime(v) },
              { title: t('monitor.recordKind'), key: 'kind', width: 180, render: (_, d) => `${tk('agency', d.agency)} · ${tk('recordKind', d.kind)}` },
              { title: t('monitor.recordId'), dataIndex: 'recordId', width: 140 },
              { title: t('monitor.receivedAt'), dataIndex: 'receivedAt', width: 160, render: (v: string) => dateTime(v) },
              { title: t('monitor.error'), dataIndex: 'error', render: (e: string | null) => <Typography.Text type="danger" style={{ fontSize: 12 }}>{e ?? '—'}</Typography.Text> },
            ]}
          />
          {monitor.dead.items.length < monitor.dead.total && (
            <Typography.Text className="sx-muted">{t('monitor.deadListed', { shown: monitor.dead.items.length, total: monitor.dead.total })}</Typography.Text>
          )}
        </>
      )}
    </Card>
  );
}
