import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Radio, Result, Row, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api } from '../api/api-client';
import type { LinkReviewDetail } from '@sanxian/api-types';
import { can } from '../auth/roles';
import { useSession } from '../auth/session';
import { EChart } from '../components/e-chart';
import { ErrorAlert, ErrorState } from '../components/problem';
import { clearDraft, loadDraft, saveDraft } from '../drafts';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { regionName } from '../regions/regions';

interface DecisionForm {
  decision: 'confirm' | 'reject';
  comment: string;
}

/** The fields shown side by side: the record's value, the registry person's, and whether they differ. */
const PERSON_FIELDS: { label: MessageKey; record: (r: LinkReviewDetail) => string | null; registry: (r: LinkReviewDetail) => string | null; kind?: 'day' | 'value' | 'region' }[] = [
  { label: 'reviews.detail.name', record: (r) => r.record.name, registry: (r) => r.registryPerson?.name ?? null },
  { label: 'reviews.detail.citizenId', record: (r) => r.record.citizenId, registry: (r) => r.registryPerson?.citizenId ?? null },
  { label: 'reviews.detail.sex', record: (r) => r.record.sex, registry: (r) => r.registryPerson?.sex ?? null, kind: 'value' },
  { label: 'reviews.detail.birthDate', record: (r) => r.record.birthDate, registry: (r) => r.registryPerson?.birthDate ?? null, kind: 'day' },
  { label: 'reviews.detail.relative', record: (r) => r.record.relativeName, registry: (r) => r.registryPerson?.relativeName ?? null },
  { label: 'reviews.detail.region', record: (r) => r.record.regionCode, registry: (r) => r.registryPerson?.regionCode ?? null, kind: 'region' },
];

export default function LinkReviewDetailPage() {
  const { id = '' } = useParams();
  const { t, tk, day, number, dateTime } = useI18n();
  const [review, setReview] = useState<LinkReviewDetail | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    setError(null);
    api<LinkReviewDetail>(`/v1/link-reviews/${encodeURIComponent(id)}`).then(setReview, setError);
  }, [id]);
  useEffect(load, [load]);

  const weights = useMemo(() => Object.entries(review?.weights ?? {}), [review]);
  const chart = useMemo(
    () => ({
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: weights.map(([field]) => tk('field', field)) },
      series: [{
        type: 'bar', name: t('reviews.detail.weight'), barMaxWidth: 18,
        data: weights.map(([, w]) => ({ value: Number(w.weight.toFixed(2)), itemStyle: { color: w.weight >= 0 ? '#389e0d' : '#cf1322' } })),
      }],
    }),
    [weights, t, tk],
  );

  if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
    return (
      <Result status="404" title={t('reviews.detail.notFound')} extra={<Link to="/link-reviews"><Button type="primary">{t('reviews.detail.back')}</Button></Link>} />
    );
  }
  if (error) return <ErrorState error={error} onRetry={load} />;
  if (!review) return <Skeleton active paragraph={{ rows: 8 }} />;

  const show = (value: string | null, kind?: 'day' | 'value' | 'region') => {
    if (value === null || value === '') return <span className="sx-muted">{t('detail.noValue')}</span>;
    if (kind === 'day') return day(value);
    if (kind === 'value') return tk('value', value);
    if (kind === 'region') return `${regionName(value)} (${value})`;
    return value;
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Link to="/link-reviews">← {t('reviews.detail.back')}</Link>
        <Typography.Title level={2} style={{ margin: '8px 0 0' }}>
          {t('reviews.detail.title')} <Tag color={review.status === 'pending' ? 'processing' : 'default'}>{tk('reviews.status', review.status)}</Tag>
        </Typography.Title>
      </div>

      <Card title={`${t('reviews.detail.record')} ↔ ${t('reviews.detail.candidate')}`}>
        <Table
          size="middle"
          pagination={false}
          rowKey="label"
          dataSource={PERSON_FIELDS.map((f) => ({ label: f.label, record: f.record(review), registry: f.registry(review), kind: f.kind }))}
          rowClassName={(row) => (review.registryPerson && (row.record ?? '') !== (row.registry ?? '') ? 'sx-differs' : '')}
          columns={[
            { title: t('detail.field'), dataIndex: 'label', width: '22%', render: (label: MessageKey) => <span className="sx-field-name">{t(label)}</span> },
            { title: t('reviews.detail.record'), key: 'record', render: (_, row) => show(row.record, row.kind) },
            {
              title: t('reviews.detail.candidate'), key: 'registry',
              render: (_, row) => (review.registryPerson ? show(row.registry, row.kind) : <span className="sx-muted">{t('reviews.noCandidate')}</span>),
            },
          ]}
        />
        <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginTop: 16 }}>
          <Descriptions.Item label={t('reviews.detail.event')}>{tk('recordKind', review.record.kind)} · {tk('value', review.record.event)} · {day(review.record.eventDate)}</Descriptions.Item>
          <Descriptions.Item label={t('reviews.detail.recordId')}>{review.record.recordId}</Descriptions.Item>
          <Descriptions.Item label={t('reviews.detail.cardId')}>
            {review.registryPerson ? `${review.registryPerson.cardId} · ${tk('value', review.registryPerson.cardRole)}` : '—'}
          </Descriptions.Item>
        </Descriptions>
      </Card>

      <Card title={t('reviews.detail.weights')} extra={<span>{t('reviews.detail.score')}: <strong>{review.score === null ? '—' : number(review.score, { maximumFractionDigits: 2 })}</strong></span>}>
        <Typography.Paragraph className="sx-muted">{t('reviews.detail.weightsHint')}</Typography.Paragraph>
        <Row gutter={16}>
          <Col xs={24} lg={12}>
            <Table
              size="small"
              pagination={false}
              rowKey={([field]) => field}
              dataSource={weights}
              columns={[
                { title: t('reviews.detail.field'), key: 'field', render: (_, [field]) => tk('field', field) },
                { title: t('reviews.detail.level'), key: 'level', render: (_, [, w]) => tk('level', w.level) },
                {
                  title: t('reviews.detail.weight'), key: 'weight', align: 'right',
                  render: (_, [, w]) => <span style={{ color: w.weight >= 0 ? '#237804' : '#cf1322' }}>{number(w.weight, { maximumFractionDigits: 2, signDisplay: 'exceptZero' })}</span>,
                },
              ]}
            />
          </Col>
          <Col xs={24} lg={12}>
            {weights.length > 0 && <EChart option={chart} height={weights.length * 34 + 30} label={t('reviews.detail.weights')} />}
          </Col>
        </Row>
      </Card>

      {review.status === 'pending' ? (
        <DecisionCard review={review} onDecided={load} />
      ) : (
        <Card title={t('reviews.detail.decision')}>
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('reviews.col.status')}>{tk('reviews.status', review.status)}</Descriptions.Item>
            <Descriptions.Item label={t('reviews.detail.comment')}>{review.review.comment}</Descriptions.Item>
            <Descriptions.Item label={t('detail.resolution.by')}><span translate="no">{review.review.by?.username}</span></Descriptions.Item>
            <Descriptions.Item label={t('detail.resolution.at')}>{dateTime(review.review.at)}</Descriptions.Item>
          </Descriptions>
        </Card>
      )}
    </Space>
  );
}

function DecisionCard({ review, onDecided }: { review: LinkReviewDetail; onDecided(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { message } = App.useApp();
  const { user } = useSession();
  const draftKey = `link-review.${review.id}`;
  const [form] = Form.useForm<DecisionForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!can(user?.role, 'decideLinks')) return <Alert type="info" showIcon message={t('detail.resolve.readOnly')} />;

  const submit = async (values: DecisionForm) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/v1/link-reviews/${review.id}/decision`, { method: 'POST', body: { decision: values.decision, comment: values.comment.trim() } });
      clearDraft(draftKey);
      message.success(t('reviews.detail.done'));
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('reviews.detail.decision')}>
      {error !== null && <div style={{ marginBottom: 16 }}><ErrorAlert error={error} title={t('detail.resolve.failed')} /></div>}
      <Form<DecisionForm>
        form={form}
        layout="vertical"
        initialValues={loadDraft<DecisionForm>(draftKey)}
        onValuesChange={(_, all) => saveDraft(draftKey, all)}
        onFinish={submit}
        disabled={busy}
      >
        <Form.Item label={t('reviews.detail.decision')} name="decision" rules={[{ required: true, message: t('detail.resolve.actionRequired') }]}>
          <Radio.Group>
            <Space direction="vertical">
              <Radio value="confirm" disabled={!review.registryPerson}>{t('reviews.detail.confirm')}</Radio>
              <Radio value="reject">{t('reviews.detail.reject')}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          label={t('reviews.detail.comment')}
          name="comment"
          extra={t('reviews.detail.commentHelp')}
          rules={[{ required: true, whitespace: true, message: t('detail.resolve.commentRequired') }]}
        >
          <Input.TextArea rows={3} maxLength={2000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>{t('reviews.detail.submit')}</Button>
      </Form>
    </Card>
  );
}
