import { Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import type { LedgerOutcomeView, PersonDecisionView } from '@sanxian/api-types';
import { api } from '../api/api-client';
import { useI18n } from '../i18n/i18n';
import { useLocalName } from './assessment';
import { ErrorAlert } from './problem';

interface DecisionForm {
  kind: PersonDecisionView['kind'];
  personName: string;
  post: string;
  unitId?: string;
  meetingDate: string;
  meetingReference: string;
  note?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Records a decision about an official in the year's ledger (`POST /v1/assessments/{year}/ledger/decisions`):
 * 诫勉谈话 or 大会检讨, the person's name and post, the unit, the meeting's date and reference. Given
 * `corrects`, the form starts from that decision and records a correction of it (a new entry; the
 * old one stays, marked corrected). What was typed stays on an error.
 */
export function DecisionModal({ year, units, corrects, onClose }: { year: string; units: LedgerOutcomeView[]; corrects: PersonDecisionView | null; onClose(changed: boolean): void }) {
  const { t } = useI18n();
  const name = useLocalName();
  const [form] = Form.useForm<DecisionForm>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (values: DecisionForm) => {
    setSaving(true);
    setError(null);
    try {
      const optional = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
      await api<PersonDecisionView>(`/v1/assessments/${year}/ledger/decisions`, {
        method: 'POST',
        body: {
          kind: values.kind, personName: values.personName.trim(), post: values.post.trim(), unitId: values.unitId || undefined, meetingDate: values.meetingDate.trim(),
          meetingReference: values.meetingReference.trim(), note: optional(values.note), corrects: corrects?.id,
        },
      });
      onClose(true);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  const required = (message: string) => [{ required: true, whitespace: true, message }];
  return (
    <Modal
      open
      title={corrects ? t('ledger.decide.correctTitle', { id: corrects.id }) : t('ledger.decide.title')}
      okText={t('ledger.decide.submit')}
      cancelText={t('ledger.decide.cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={() => onClose(false)}
      destroyOnClose
    >
      {error !== null && <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div>}
      <Form<DecisionForm>
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={corrects
          ? { kind: corrects.kind, personName: corrects.personName, post: corrects.post, unitId: corrects.unitId ?? undefined, meetingDate: corrects.meetingDate, meetingReference: corrects.meetingReference }
          : { kind: 'admonition' }}
      >
        <Form.Item label={t('ledger.decision.kind')} name="kind" rules={[{ required: true }]}>
          <Select options={(['admonition', 'account-at-meeting'] as const).map((k) => ({ value: k, label: t(`ledger.kind.${k}`) }))} />
        </Form.Item>
        <Form.Item label={t('ledger.decision.person')} name="personName" rules={required(t('ledger.decide.required'))}><Input maxLength={50} /></Form.Item>
        <Form.Item label={t('ledger.decision.post')} name="post" rules={required(t('ledger.decide.required'))}><Input maxLength={100} /></Form.Item>
        <Form.Item label={t('ledger.decision.unit')} name="unitId">
          <Select allowClear showSearch optionFilterProp="label" options={units.map((u) => ({ value: u.unitId, label: name(u.unitName) }))} />
        </Form.Item>
        <Form.Item
          label={t('ledger.decision.meeting')}
          name="meetingDate"
          extra={t('ledger.decide.dateHelp')}
          rules={[{ required: true, pattern: DATE, message: t('ledger.decide.dateRequired') }]}
        >
          <Input placeholder="2027-01-20" maxLength={10} />
        </Form.Item>
        <Form.Item label={t('ledger.decision.reference')} name="meetingReference" rules={required(t('ledger.decide.required'))}><Input maxLength={200} /></Form.Item>
        <Form.Item label={t('ledger.decision.note')} name="note" extra={corrects ? t('ledger.decide.noteHelp') : undefined}><Input.TextArea maxLength={2000} rows={2} /></Form.Item>
      </Form>
    </Modal>
  );
}
