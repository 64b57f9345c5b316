import { Button, Card, Empty, Space, Table, Tag } from 'antd';
import { Link } from 'react-router-dom';
import type { VerificationRequestItem } from '@sanxian/api-types';
import { useCursorList } from '../api/use-cursor-list';
import { ErrorState } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { regionName } from '../regions/regions';
import { PageTitle } from '../components/page-title';

/** Verification requests (协查) the agencies left unanswered past their due date, in the user's region, earliest due first. */
export default function VerificationRequestsPage() {
  const { t, tk, day } = useI18n();
  const list = useCursorList<VerificationRequestItem>('/v1/verification-requests', { state: 'overdue' }, 100);
  if (list.error !== null && list.items.length === 0 && !list.loading) return <ErrorState error={list.error} onRetry={list.reload} />;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle title={t('verification.list.title')} intro={t('verification.list.intro')} />
      <Card>
        <Table<VerificationRequestItem>
          rowKey="id"
          loading={list.loading}
          dataSource={list.items}
          pagination={false}
          locale={{ emptyText: <Empty description={t('verification.list.empty')} /> }}
          columns={[
            { title: t('verification.dueAt'), dataIndex: 'dueAt', render: (v: string) => <span className="sx-overdue">{day(v)}</span> },
            { title: t('verification.agency'), dataIndex: 'agency', render: (v: string) => tk('agency', v) },
            { title: t('verification.record'), key: 'record', render: (_, r) => `${tk('recordKind', r.kind)} · ${r.recordId}` },
            { title: t('verification.question'), dataIndex: 'question' },
            { title: t('verification.list.township'), dataIndex: 'townshipCode', render: (v: string) => regionName(v) },
            { title: t('verification.requestedOn'), dataIndex: 'requestedOn', render: (v: string) => day(v) },
            { title: '', key: 'state', render: (_, r) => <Tag color="error">{tk('verification.state', r.state)}</Tag> },
            { title: t('verification.list.discrepancy'), key: 'open', render: (_, r) => <Link to={`/discrepancies/${r.discrepancyId}`}>{t('verification.list.discrepancy')}</Link> },
          ]}
        />
        {list.hasMore && <Button onClick={list.loadMore} loading={list.loadingMore} style={{ marginTop: 12 }}>{t('app.loading')}</Button>}
      </Card>
    </Space>
  );
}
