import { Alert, App, Button, Card, Descriptions, Drawer, Empty, Form, Input, Radio, Result, Skeleton, Space, Table, Tag, Timeline, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api } from '../api/api-client';
import { RESOLUTION_ACTIONS, type DiscrepancyDetail, type EvidenceMessage, type ResolutionAction } from '@sanxian/api-types';
import { can } from '../auth/roles';
import { useSession } from '../auth/session';
import { ErrorAlert, ErrorState } from '../components/problem';
import { ValueComparison } from '../components/value-comparison';
import { VerificationThread } from '../components/verification-thread';
import { clearDraft, loadDraft, saveDraft } from '../drafts';
import { useI18n } from '../i18n/i18n';
// A link review's decision (confirm, reject) also closes an unlinked record: no message names it yet (shown as the key, as before).
import { regionName } from '../regions/regions';

interface ResolutionForm {
  action: ResolutionAction;
  comment: string;
}

interface CardView {
  cardId: string;
  maritalStatus: string;
  residenceStatus: string;
  woman: { name: string | null; citizenId: string | null; birthDate: string | null };
  husband: { name: string | null; citizenId: string | null } | null;
  children: { ordinal: number; name: string | null; sex: string; birthDate: string; birthOrder: number }[];
}

export default function DiscrepancyDetailPage() {
  const { id = '' } = useParams();
  const { t, tk } = useI18n();
  const [detail, setDetail] = useState<DiscrepancyDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [evidenceOpen, setEvidenceOpen] = useState(false);

  const load = useCallback(() => {
    setError(null);
    api<DiscrepancyDetail>(`/v1/discrepancies/${encodeURIComponent(id)}`).then(setDetail, setError);
  }, [id]);
  useEffect(load, [load]);

  if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
    return (
      <Result
        status="404"
        title={t('detail.notFound')}
        subTitle={t('detail.notFoundHint')}
        extra={<Link to="/discrepancies"><Button type="primary">{t('detail.backToQueue')}</Button></Link>}
      />
    );
  }
  if (error) return <ErrorState error={error} onRetry={load} />;
  if (!detail) return <Skeleton active paragraph={{ rows: 8 }} />;

  const messages = detail.evidence.messages;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Link to="/discrepancies">← {t('detail.backToQueue')}</Link>
        <Typography.Title level={2} style={{ margin: '8px 0 0' }}>
          {tk('kind', detail.kind)}{' '}
          <Tag color={detail.status === 'open' ? 'processing' : 'default'}>{tk('status', detail.status)}</Tag>
          {detail.overdue && <Tag color="error">{t('queue.overdue')}</Tag>}
        </Typography.Title>
      </div>

      <Card>
        <Descriptions column={{ xs: 1, md: 2, xl: 3 }} size="small">
          <Descriptions.Item label={t('detail.subject')}>{detail.subject.name ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('detail.citizenId')}><span data-testid="subject-citizen-id">{detail.subject.citizenId ?? '—'}</span></Descriptions.Item>
          <Descriptions.Item label={t('detail.region')}>{regionName(detail.townshipCode)} · {regionName(detail.regionCode)}</Descriptions.Item>
          <Descriptions.Item label={t('detail.due')}>
            <span className={detail.overdue ? 'sx-overdue' : undefined}><Day value={detail.dueAt} /></span>
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.raised')}><When value={detail.raisedAt} /></Descriptions.Item>
          <Descriptions.Item label={t('detail.card')}>{detail.cardId ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('detail.assignee')}>{detail.assignee ? <span translate="no">{detail.assignee.username}</span> : t('queue.unassigned')}</Descriptions.Item>
        </Descriptions>
      </Card>

      <Card
        title={t('detail.compare')}
        extra={
          <Button onClick={() => setEvidenceOpen(true)} data-testid="open-evidence">
            {t('detail.evidence', { count: messages.length })}
          </Button>
        }
      >
        <ValueComparison detail={detail} />
      </Card>

      <Drawer title={t('detail.evidenceTitle')} open={evidenceOpen} onClose={() => setEvidenceOpen(false)} width={640}>
        {messages.length === 0 ? <Empty description={t('detail.evidenceNone')} /> : messages.map((m) => <Evidence key={m.messageId} message={m} />)}
      </Drawer>

      {detail.status === 'open' ? <ResolveCard detail={detail} onResolved={load} /> : <ResolutionCard detail={detail} />}

      <VerificationThread detail={detail} onSent={load} />

      <FamilyCard card={detail.card as CardView | null} />

      <Card title={t('detail.history')}>
        <Timeline
          items={detail.history.map((h) => ({
            children: (
              <span>
                <When value={h.at} /> · {tk('detail.history', h.event)} · {h.by ? <span translate="no">{h.by.username}</span> : typeof h.detail?.agency === 'string' ? tk('agency', h.detail.agency) : t('detail.history.system')}
                {typeof h.detail?.comment === 'string' && <div className="sx-muted">{h.detail.comment}</div>}
              </span>
            ),
          }))}
        />
      </Card>
    </Space>
  );
}

function Day({ value }: { value: string | null | undefined }) {
  return <>{useI18n().day(value)}</>;
}

function When({ value }: { value: string | null | undefined }) {
  return <>{useI18n().dateTime(value)}</>;
}

function Evidence({ message }: { message: EvidenceMessage }) {
  const { t, tk } = useI18n();
  return (
    <Card size="small" style={{ marginBottom: 12 }} title={`${tk('recordKind', message.kind)} · ${message.recordId}`}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('detail.evidence.agency')}>{message.agency ? tk('agency', message.agency) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('detail.evidence.kind')}>{tk('recordKind', message.kind)}</Descriptions.Item>
        <Descriptions.Item label={t('detail.evidence.recordId')}>{message.recordId}</Descriptions.Item>
        <Descriptions.Item label={t('detail.evidence.receivedAt')}><When value={message.receivedAt} /></Descriptions.Item>
      </Descriptions>
      <pre className="sx-record" tabIndex={0} aria-label={message.recordId}>{JSON.stringify(message.record, null, 2)}</pre>
    </Card>
  );
}

function ResolveCard({ detail, onResolved }: { detail: DiscrepancyDetail; onResolved(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { message } = App.useApp();
  const { user } = useSession();
  const draftKey = `resolution.${detail.id}`;
  const [form] = Form.useForm<ResolutionForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (!can(user?.role, 'resolve')) {
    return <Alert type="info" showIcon message={t('detail.resolve.readOnly')} />;
  }

  const submit = async (values: ResolutionForm) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/v1/discrepancies/${detail.id}/resolution`, { method: 'POST', body: { action: values.action, comment: values.comment.trim() } });
      clearDraft(draftKey);
      message.success(t('detail.resolve.done'));
      onResolved();
    } catch (e) {
      // The form keeps its values; the draft in session storage keeps them across a new sign-in too.
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('detail.resolve')}>
      {error !== null && (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} title={t('detail.resolve.failed')} />
        </div>
      )}
      <Form<ResolutionForm>
        form={form}
        layout="vertical"
        initialValues={loadDraft<ResolutionForm>(draftKey)}
        onValuesChange={(_, all) => saveDraft(draftKey, all)}
        onFinish={submit}
        disabled={busy}
        aria-label={t('detail.resolve')}
      >
        <Form.Item label={t('detail.resolve.action')} name="action" rules={[{ required: true, message: t('detail.resolve.actionRequired') }]}>
          <Radio.Group>
            <Space direction="vertical">
              {RESOLUTION_ACTIONS.map((action) => (
                <Radio key={action} value={action}>{t(`detail.resolve.${action}`)}</Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          label={t('detail.resolve.comment')}
          name="comment"
          extra={t('detail.resolve.commentHelp')}
          rules={[{ required: true, whitespace: true, message: t('detail.resolve.commentRequired') }]}
        >
          <Input.TextArea rows={3} maxLength={2000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>{t('detail.resolve.submit')}</Button>
      </Form>
    </Card>
  );
}

function ResolutionCard({ detail }: { detail: DiscrepancyDetail }) {
  const { t, tk } = useI18n();
  if (!detail.resolution) {
    return (
      <Card title={t('detail.resolution')}>
        {tk('status', detail.status)} · <When value={detail.closedAt} />
      </Card>
    );
  }
  return (
    <Card title={t('detail.resolution')}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('detail.resolve.action')}>{t(`detail.resolve.${detail.resolution.action}`)}</Descriptions.Item>
        <Descriptions.Item label={t('detail.resolve.comment')}>{detail.resolution.comment}</Descriptions.Item>
        <Descriptions.Item label={t('detail.resolution.by')}><span translate="no">{detail.resolution.by?.username}</span></Descriptions.Item>
        <Descriptions.Item label={t('detail.resolution.at')}><When value={detail.resolution.at} /></Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function FamilyCard({ card }: { card: CardView | null }) {
  const { t, tk, day } = useI18n();
  if (!card) {
    return (
      <Card title={t('detail.cardTitle')}>
        <Typography.Text className="sx-muted">{t('detail.card.none')}</Typography.Text>
      </Card>
    );
  }
  return (
    <Card title={`${t('detail.cardTitle')} · ${card.cardId}`}>
      <Descriptions column={{ xs: 1, md: 2 }} size="small">
        <Descriptions.Item label={t('detail.card.woman')}>{card.woman.name} {card.woman.citizenId}</Descriptions.Item>
        <Descriptions.Item label={t('field.maritalStatus')}>{tk('value', card.maritalStatus)}</Descriptions.Item>
        <Descriptions.Item label={t('field.residenceStatus')}>{tk('value', card.residenceStatus)}</Descriptions.Item>
        <Descriptions.Item label={t('detail.card.husband')}>{card.husband ? `${card.husband.name ?? ''} ${card.husband.citizenId ?? ''}` : '—'}</Descriptions.Item>
      </Descriptions>
      {card.children.length > 0 && (
        <Table
          size="small"
          pagination={false}
          rowKey="ordinal"
          dataSource={card.children}
          title={() => t('detail.card.children')}
          columns={[
            { title: t('field.birthOrder'), dataIndex: 'birthOrder' },
            { title: t('field.name'), dataIndex: 'name' },
            { title: t('field.sex'), dataIndex: 'sex', render: (v: string) => tk('value', v) },
            { title: t('field.birthDate'), dataIndex: 'birthDate', render: (v: string) => day(v) },
          ]}
        />
      )}
    </Card>
  );
}
