import { DownloadOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ASSESSMENT_LINES, type LedgerOutcomeView, type PersonDecisionView, type UnitOutcome, type YearLedgerView } from '@sanxian/api-types';
import { ApiError, api, downloadFile } from '../api/api-client';
import { canUser } from '../auth/roles';
import { useSession } from '../auth/session';
import { DecisionModal } from '../components/decision-modal';
import { PublishedView, OutcomeTag, YearSelect, useLocalName, yearOf } from '../components/assessment';
import { describeError } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { useNarrowScreen } from '../layout/app-layout';
import { PageTitle } from '../components/page-title';

/** The ledger's outcome as the scoreboard's tag shows one: a vetoed unit carries the yellow card the plan gives it, or none. */
function tagOutcome(o: LedgerOutcomeView): UnitOutcome {
  const kind = o.yellowCard ? 'yellow-card' : o.outcome === 'award' ? 'award' : 'no-award';
  return { kind, name: o.outcomeName, tierId: o.tierId ?? '', prize: o.prize, reasons: [] } as UnitOutcome;
}

/**
 * The year's consequences (`GET /v1/assessments/{year}/ledger`), once its results are published:
 * per line each unit's outcome as recorded then (tier and prize, 不奖不惩, 黄牌警告, 一票否决 with
 * its reasons), the prize money in total, and the decisions about the officials responsible
 * (诫勉谈话, 大会检讨) with the corrections between them. The payout sheet and the yellow-card
 * list download from here. An unpublished year answers 404: "not published yet".
 */
export default function LedgerPage() {
  const i18n = useI18n();
  const { t, tk, number, dateTime } = i18n;
  const name = useLocalName();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const year = yearOf(params);
  const [state, setState] = useState<{ loading: boolean; ledger: YearLedgerView | null; error: unknown }>({ loading: true, ledger: null, error: null });
  const [downloading, setDownloading] = useState(false);
  const { user } = useSession();
  const mayDecide = canUser(user, 'decideLedger');
  // The decision form: closed (undefined), a new decision (null), or a correction of one.
  const [deciding, setDeciding] = useState<PersonDecisionView | null | undefined>(undefined);
  const narrow = useNarrowScreen();

  const load = useCallback(() => {
    setState({ loading: true, ledger: null, error: null });
    const controller = new AbortController();
    api<YearLedgerView>(`/v1/assessments/${year}/ledger`, { signal: controller.signal }).then(
      (ledger) => setState({ loading: false, ledger, error: null }),
      (error) => {
        if ((error as Error).name === 'AbortError') return;
        setState({ loading: false, ledger: null, error: error instanceof ApiError && error.status === 404 ? null : error });
      },
    );
    return () => controller.abort();
  }, [year]);
  useEffect(load, [load]);

  const download = async () => {
    setDownloading(true);
    try {
      const file = await downloadFile(`/v1/assessments/${year}/ledger.xlsx`, {}, `ledger-${year}.xlsx`);
      message.success(t('ledger.downloaded', { file }));
    } catch (error) {
      message.error(describeError(error, i18n));
    } finally {
      setDownloading(false);
    }
  };

  const setYear = (value: string) => {
    const next = new URLSearchParams(params);
    next.set('year', value);
    setParams(next, { replace: true });
  };
  const ledger = state.ledger;

  const outcomeColumns: ColumnsType<LedgerOutcomeView> = [
    { title: t('ledger.rank'), dataIndex: 'rank', width: 64, align: 'right' },
    { title: t('ledger.unit'), key: 'unit', width: 220, render: (_, o) => name(o.unitName) },
    { title: t('ledger.score'), dataIndex: 'score', width: 90, align: 'right', render: (v: number) => number(v, { maximumFractionDigits: 2 }) },
    {
      title: t('ledger.outcome'), key: 'outcome', width: 200,
      render: (_, o) => (
        <Space size={4} wrap>
          <OutcomeTag outcome={tagOutcome(o)} />
          <VetoTag outcome={o} />
        </Space>
      ),
    },
    { title: t('ledger.prize'), dataIndex: 'prize', width: 110, align: 'right', render: (v: number) => (v > 0 ? number(v) : '—') },
    { title: t('ledger.reasons'), key: 'reasons', render: (_, o) => (o.reasons.length ? o.reasons.join('；') : <span className="sx-muted">—</span>) },
  ];

  const status = (d: PersonDecisionView) => {
    if (d.correctedBy !== null) return <Tag>{t('ledger.status.corrected', { id: d.correctedBy })}</Tag>;
    if (d.withdrawn) return <Tag color="red" style={{ color: '#820014' }}>{t('ledger.status.void', { id: d.corrects ?? '' })}</Tag>;
    return (
      <Space size={4} wrap>
        <Tag color="green" style={{ color: '#135200' }}>{t('ledger.status.current')}</Tag>
        {d.corrects !== null && <span className="sx-muted">{t('ledger.status.corrects', { id: d.corrects })}</span>}
      </Space>
    );
  };
  const decisionColumns: ColumnsType<PersonDecisionView> = [
    { title: '#', dataIndex: 'id', width: 56, align: 'right' },
    { title: t('ledger.decision.kind'), key: 'kind', width: 110, render: (_, d) => name(d.kindName) },
    { title: t('ledger.decision.person'), dataIndex: 'personName', width: 100 },
    { title: t('ledger.decision.post'), dataIndex: 'post', width: 180 },
    { title: t('ledger.decision.unit'), key: 'unit', width: 160, render: (_, d) => { const unit = ledger?.outcomes.find((o) => o.unitId === d.unitId); return unit ? name(unit.unitName) : (d.unitId ?? '—'); } },
    { title: t('ledger.decision.meeting'), dataIndex: 'meetingDate', width: 110 },
    { title: t('ledger.decision.reference'), dataIndex: 'meetingReference', width: 180 },
    { title: t('ledger.decision.note'), dataIndex: 'note', render: (v: string | null) => v ?? '—' },
    { title: t('ledger.decision.status'), key: 'status', width: 180, render: (_, d) => status(d) },
    ...(mayDecide ? [{
      title: '', key: 'correct', width: 90,
      render: (_: unknown, d: PersonDecisionView) => (d.correctedBy === null && !d.withdrawn
        ? <Button size="small" onClick={() => setDeciding(d)} aria-label={`${t('ledger.decide.correct')} ${d.id}`}>{t('ledger.decide.correct')}</Button>
        : null),
    }] : []),
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle title={t('ledger.title')} intro={t('ledger.intro')} />
      <Card>
        <Space wrap size="large">
          <YearSelect year={year} onChange={setYear} />
          {ledger && (
            <Button type="primary" icon={<DownloadOutlined />} onClick={download} loading={downloading}>
              {downloading ? t('ledger.downloading') : t('ledger.download')}
            </Button>
          )}
        </Space>
      </Card>
      <PublishedView
        loading={state.loading} error={state.error} onRetry={load} data={ledger}
        empty={{ testId: 'ledger-empty', title: 'ledger.empty', hint: 'ledger.emptyHint' }}
      >
        {(ledger) => (
        <>
          <Alert
            type="success"
            showIcon
            data-testid="ledger-totals"
            message={t('ledger.published', { at: dateTime(ledger.publishedAt) })}
            description={t('ledger.totals', {
              amount: number(ledger.prizeTotal),
              units: ledger.outcomes.filter((o) => o.outcome === 'award').length,
              cards: ledger.outcomes.filter((o) => o.yellowCard || o.outcome === 'veto').length,
            })}
          />
          {ASSESSMENT_LINES.map((line) => {
            const outcomes = ledger.outcomes.filter((o) => o.line === line);
            if (!outcomes.length) return null;
            return (
              <Card key={line} title={t('ledger.outcomes', { line: tk('scoreboard.line', line) })} data-testid={`ledger-line-${line}`}>
                {narrow ? (
                  <OutcomeCards outcomes={outcomes} />
                ) : (
                  <Table<LedgerOutcomeView>
                    rowKey="id"
                    size="small"
                    pagination={false}
                    scroll={{ x: 900 }}
                    dataSource={outcomes}
                    columns={outcomeColumns}
                    rowClassName={(o) => (o.outcome === 'veto' ? 'sx-row-overdue' : '')}
                  />
                )}
              </Card>
            );
          })}
          <Card
            title={t('ledger.decisions')}
            data-testid="ledger-decisions"
            extra={mayDecide ? <Button icon={<PlusOutlined />} onClick={() => setDeciding(null)}>{t('ledger.decide.open')}</Button> : undefined}
          >
            <Table<PersonDecisionView>
              rowKey="id"
              size="small"
              pagination={false}
              scroll={{ x: 1200 }}
              dataSource={ledger.decisions}
              columns={decisionColumns}
              locale={{ emptyText: t('ledger.decisionsEmpty') }}
            />
          </Card>
          {deciding !== undefined && (
            <DecisionModal
              year={year}
              units={ledger.outcomes}
              corrects={deciding}
              onClose={(changed) => {
                setDeciding(undefined);
                if (changed) {
                  message.success(t('ledger.decide.done'));
                  load();
                }
              }}
            />
          )}
        </>
        )}
      </PublishedView>
    </Space>
  );
}

/** 一票否决, in words and in red, where the unit was vetoed. */
function VetoTag({ outcome }: { outcome: LedgerOutcomeView }) {
  const { t } = useI18n();
  if (outcome.outcome !== 'veto') return null;
  return <Tag color="red" style={{ color: '#820014' }} icon={<StopOutlined />} data-outcome="veto">{t('ledger.vetoed')}</Tag>;
}

/** A line's outcomes on a phone: one card per unit with rank, score, outcome, prize and reasons. */
function OutcomeCards({ outcomes }: { outcomes: LedgerOutcomeView[] }) {
  const { t, number } = useI18n();
  const name = useLocalName();
  return (
    <ol style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="ledger-cards">
      {outcomes.map((o) => (
        <li key={o.id} className="sx-item-card" style={o.outcome === 'veto' ? { boxShadow: 'inset 3px 0 0 #cf1322' } : undefined}>
          <div className="sx-item-line">
            <span><span className="sx-muted">{t('scoreboard.rankShort', { rank: o.rank })}</span> <strong>{name(o.unitName)}</strong></span>
            <strong>{number(o.score, { maximumFractionDigits: 2 })} {t('unit.points')}</strong>
          </div>
          <div className="sx-item-line" style={{ marginTop: 4 }}>
            <Space size={4} wrap><OutcomeTag outcome={tagOutcome(o)} /><VetoTag outcome={o} /></Space>
            {o.prize > 0 && <span>{t('ledger.prize')}：{number(o.prize)}</span>}
          </div>
          {o.reasons.length > 0 && <div className="sx-muted" style={{ fontSize: 12, marginTop: 4 }}>{o.reasons.join('；')}</div>}
        </li>
      ))}
    </ol>
  );
}
