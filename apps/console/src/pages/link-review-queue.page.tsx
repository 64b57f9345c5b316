import { Button, Card, Empty, Select, Space, Table, Tag } from 'antd';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import type { LinkReviewItem } from '@sanxian/api-types';
import { useCursorList } from '../api/use-cursor-list';
import { ErrorAlert, ErrorState } from '../components/problem';
import { UnlinkedCauses } from '../components/unlinked-causes';
import { useI18n } from '../i18n/i18n';
import { useNarrowScreen } from '../layout/app-layout';
import { regionName } from '../regions/regions';
import { PageTitle } from '../components/page-title';

const STATUSES = ['pending', 'confirmed', 'rejected', 'all'] as const;

export default function LinkReviewQueuePage() {
  const { t, tk, number } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? 'pending';
  const list = useCursorList<LinkReviewItem>('/v1/link-reviews', { status }, 100);
  const narrow = useNarrowScreen();

  if (list.error !== null && list.items.length === 0 && !list.loading) return <ErrorState error={list.error} onRetry={list.reload} />;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle title={t('reviews.title')} intro={t('reviews.intro')} />
      <Card>
        <label className="sx-field" style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
          {t('reviews.filter.status')}
          <Select
            aria-label={t('reviews.filter.status')}
            style={{ width: 160 }}
            value={status}
            onChange={(v) => setParams(v === 'pending' ? {} : { status: v }, { replace: true })}
            options={STATUSES.map((s) => ({ value: s, label: s === 'all' ? t('status.all') : tk('reviews.status', s) }))}
          />
        </label>
      </Card>
      <UnlinkedCauses />
      {list.error !== null && <ErrorAlert error={list.error} />}
      {narrow ? (
        <div data-testid="link-review-cards">
          {list.items.length === 0 && !list.loading && <Card><Empty description={<span>{t('reviews.empty')} {t('reviews.emptyHint')}</span>} /></Card>}
          <ol style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {list.items.map((row) => (
              <li key={row.id} className="sx-item-card">
                <div className="sx-item-line">
                  <RecordPerson row={row} />
                  <span>{t('reviews.col.score')} <strong>{row.score === null ? '—' : number(row.score, { maximumFractionDigits: 2 })}</strong></span>
                </div>
                <div className="sx-item-line" style={{ marginTop: 4 }}>
                  <span><span className="sx-muted">{t('reviews.col.candidate')}：</span><CandidatePerson row={row} /></span>
                </div>
                <div className="sx-item-line sx-muted" style={{ fontSize: 12, marginTop: 4 }}>
                  <span>{regionName(row.townshipCode)}</span>
                  <span>{tk('reviews.status', row.status)}</span>
                </div>
              </li>
            ))}
          </ol>
        </div>
      ) : (
      <Card styles={{ body: { padding: 0 } }}>
        <Table<LinkReviewItem>
          rowKey="id"
          loading={list.loading}
          dataSource={list.items}
          pagination={false}
          onRow={(row) => ({ onDoubleClick: () => navigate(`/link-reviews/${row.id}`) })}
          locale={{ emptyText: list.loading ? ' ' : <Empty description={<span>{t('reviews.empty')} {t('reviews.emptyHint')}</span>} /> }}
          columns={[
            {
              title: t('reviews.col.record'), key: 'record',
              render: (_, row) => <RecordPerson row={row} />,
            },
            {
              title: t('reviews.col.candidate'), key: 'candidate',
              render: (_, row) => <CandidatePerson row={row} />,
            },
            { title: t('reviews.col.score'), dataIndex: 'score', align: 'right', render: (v: number | null) => (v === null ? '—' : number(v, { maximumFractionDigits: 2 })) },
            { title: t('reviews.col.township'), dataIndex: 'townshipCode', render: (code: string) => regionName(code) },
            {
              title: t('reviews.col.status'), dataIndex: 'status',
              render: (s: string) => <Tag color={s === 'pending' ? 'processing' : s === 'confirmed' ? 'success' : 'default'}>{tk('reviews.status', s)}</Tag>,
            },
          ]}
          footer={() => (
            <Space>
              <span className="sx-muted">{list.hasMore ? t('queue.loaded', { loaded: list.items.length }) : t('queue.loadedAll', { loaded: list.items.length })}</span>
              {list.hasMore && (
                <Button size="small" onClick={list.loadMore} loading={list.loadingMore}>
                  {list.loadingMore ? t('queue.loadingMore') : t('queue.loadMore')}
                </Button>
              )}
            </Space>
          )}
        />
      </Card>
      )}
    </Space>
  );
}

/** The person the agency's record names: name (or that it has none), the record's kind, the id masked. */
function RecordPerson({ row }: { row: LinkReviewItem }) {
  const { t, tk } = useI18n();
  return (
    <Link to={`/link-reviews/${row.id}`}>
      <strong>{row.record.name ?? t('reviews.noName')}</strong>
      <span className="sx-muted" style={{ fontSize: 12 }}>（{tk('recordKind', row.record.kind)}{row.record.citizenId ? `，${row.record.citizenId}` : `，${t('reviews.noCitizenId')}`}）</span>
    </Link>
  );
}

/** The registry person proposed: name, masked id, family card; or that there is none. */
function CandidatePerson({ row }: { row: LinkReviewItem }) {
  const { t } = useI18n();
  if (!row.candidate) return <span className="sx-muted">{t('reviews.noCandidate')}</span>;
  const { name, citizenId, cardId } = row.candidate;
  return (
    <span>
      <strong>{name ?? t('reviews.noName')}</strong>{' '}
      {citizenId && <span className="sx-muted" style={{ fontSize: 12, whiteSpace: 'nowrap' }} translate="no">{citizenId} </span>}
      {cardId && <span className="sx-muted" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>{t('reviews.card', { card: cardId })}</span>}
    </span>
  );
}
