import { App, Button, Card, Checkbox, Descriptions, Empty, Form, Input, Select, Space, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { DiscrepancyDetail, VerificationRequestItem, VerificationThread as Thread } from '@sanxian/api-types';
import { api } from '../api/api-client';
import { can } from '../auth/roles';
import { useSession } from '../auth/session';
import { ErrorAlert } from './problem';
import { useI18n } from '../i18n/i18n';

interface SendForm {
  question: string;
  messageId: string;
  crossCounty: boolean;
}

const STATE_COLOR = { open: 'processing', overdue: 'error', answered: 'success' } as const;

/**
 * A discrepancy's verification thread (协查): each request with its agency, record, question, due
 * date and state, the agency's answer and the corrected record; and, for staff who may act on an
 * open discrepancy, the form that sends one more.
 */
export function VerificationThread({ detail, onSent }: { detail: DiscrepancyDetail; onSent(): void }) {
  const { t } = useI18n();
  const [thread, setThread] = useState<Thread | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<Thread>(`/v1/discrepancies/${detail.id}/verification-requests`).then(setThread, setError);
  }, [detail.id]);
  useEffect(load, [load]);

  return (
    <Card title={t('verification.title')} data-testid="verification-thread">
      {error !== null && <ErrorAlert error={error} title={t('verification.title')} />}
      {thread && thread.items.length === 0 && <Empty description={t('verification.none')} />}
      {thread?.items.map((request) => <Request key={request.id} request={request} />)}
      <SendRequest detail={detail} onSent={() => { load(); onSent(); }} />
    </Card>
  );
}

function Request({ request }: { request: VerificationRequestItem }) {
  const { t, tk, day, dateTime } = useI18n();
  const answer = request.answer;
  return (
    <Card size="small" style={{ marginBottom: 12 }} data-testid="verification-request"
      title={<Space>{tk('agency', request.agency)}<Tag color={STATE_COLOR[request.state]}>{tk('verification.state', request.state)}</Tag></Space>}>
      <Descriptions column={{ xs: 1, md: 2 }} size="small">
        <Descriptions.Item label={t('verification.record')}>{tk('recordKind', request.kind)} · {request.recordId}</Descriptions.Item>
        <Descriptions.Item label={t('verification.question')}>{request.question}</Descriptions.Item>
        <Descriptions.Item label={t('verification.requestedOn')}>{day(request.requestedOn)} · <span translate="no">{request.requestedBy?.username}</span></Descriptions.Item>
        <Descriptions.Item label={t('verification.dueAt')}>
          <span className={request.state === 'overdue' ? 'sx-overdue' : undefined}>{day(request.dueAt)}</span> ({t(request.crossCounty ? 'verification.crossCounty' : 'verification.withinCounty')})
        </Descriptions.Item>
        {answer && (
          <Descriptions.Item label={t('verification.answer')}>
            {tk('verification.answer', answer.answer)} · {dateTime(answer.answeredAt)}
          </Descriptions.Item>
        )}
        {answer?.comment && <Descriptions.Item label={t('verification.answer.comment')}>{answer.comment}</Descriptions.Item>}
      </Descriptions>
      {answer?.record !== undefined && answer.record !== null && (
        <>
          <div className="sx-muted">{t('verification.answer.record')} · {answer.recordId}</div>
          <pre className="sx-record" tabIndex={0} aria-label={answer.recordId ?? undefined}>{JSON.stringify(answer.record, null, 2)}</pre>
        </>
      )}
    </Card>
  );
}

function SendRequest({ detail, onSent }: { detail: DiscrepancyDetail; onSent(): void }) {
  const { t, tk } = useI18n();
  const { message } = App.useApp();
  const { user } = useSession();
  const [form] = Form.useForm<SendForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const records = detail.evidence.messages.filter((m) => m.agency !== null);
  if (detail.status !== 'open' || !can(user?.role, 'resolve') || records.length === 0) return null;

  const submit = async (values: SendForm) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/v1/discrepancies/${detail.id}/verification-requests`, {
        method: 'POST', body: { question: values.question.trim(), messageId: values.messageId, ...(values.crossCounty ? { crossCounty: true } : {}) },
      });
      form.resetFields(['question']);
      message.success(t('verification.send.done'));
      onSent();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const preferred = records.find((m) => m.agency !== 'family-planning') ?? records[0];
  return (
    <Form<SendForm> form={form} layout="vertical" onFinish={submit} disabled={busy} aria-label={t('verification.send')}
      initialValues={{ messageId: preferred.messageId, crossCounty: false }}>
      {error !== null && <div style={{ marginBottom: 16 }}><ErrorAlert error={error} title={t('verification.send.failed')} /></div>}
      <Form.Item label={t('verification.send.record')} name="messageId" rules={[{ required: true }]}>
        <Select options={records.map((m) => ({ value: m.messageId, label: `${tk('agency', m.agency!)} · ${tk('recordKind', m.kind)} · ${m.recordId}` }))} />
      </Form.Item>
      <Form.Item label={t('verification.send.question')} name="question" rules={[{ required: true, whitespace: true, message: t('verification.send.questionRequired') }]}>
        <Input.TextArea rows={2} maxLength={2000} showCount />
      </Form.Item>
      <Form.Item name="crossCounty" valuePropName="checked">
        <Checkbox>{t('verification.send.crossCounty')}</Checkbox>
      </Form.Item>
      <Button htmlType="submit" loading={busy}>{t('verification.send.submit')}</Button>
    </Form>
  );
}
