import { Alert, Form, Input, Modal, Progress, Radio, Space } from 'antd';
import { useState } from 'react';
import { api } from '../api/api-client';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { describeError } from './problem';

/** Ids per request: the API assigns each request all or none; the progress bar moves per request. */
const CHUNK = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Target = 'me' | 'nobody' | 'user';

/**
 * Assigns the selected discrepancies to one user (or nobody), in requests of a hundred, with
 * progress. The API has no staff directory yet, so another user is named by id.
 */
export function BulkAssignModal({ ids, onClose }: { ids: string[]; onClose(changed: boolean): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { user } = useSession();
  const [form] = Form.useForm<{ target: Target; userId?: string }>();
  const target = Form.useWatch('target', form);
  const [done, setDone] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);

  const run = async () => {
    const values = await form.validateFields();
    const assigneeId = values.target === 'me' ? user!.userId : values.target === 'nobody' ? null : values.userId!.trim().toLowerCase();
    setError(null);
    let count = 0;
    setDone(0);
    try {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        await api('/v1/discrepancies/assignment', { method: 'POST', body: { ids: chunk, assigneeId } });
        count += chunk.length;
        setDone(count);
      }
      setFinished(true);
    } catch (e) {
      setError(t('assign.failed', { done: count, reason: describeError(e, i18n) }));
    }
  };

  const running = done !== null && !finished && error === null;
  return (
    <Modal
      open
      title={t('assign.title', { count: ids.length })}
      okText={finished ? undefined : t('assign.submit')}
      onOk={finished ? () => onClose(true) : run}
      okButtonProps={{ loading: running }}
      cancelButtonProps={{ disabled: running }}
      onCancel={() => onClose(done !== null && done > 0)}
      maskClosable={!running}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ target: 'me' }} disabled={running || finished}>
        <Form.Item label={t('assign.to')} name="target">
          <Radio.Group>
            <Space direction="vertical">
              <Radio value="me">{t('assign.toMe')} ({user?.username})</Radio>
              <Radio value="nobody">{t('assign.toNobody')}</Radio>
              <Radio value="user">{t('assign.toUser')}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        {target === 'user' && (
          <Form.Item
            label={t('assign.userId')}
            name="userId"
            extra={t('assign.userIdHelp')}
            rules={[{ required: true, pattern: UUID, message: t('assign.userIdInvalid') }]}
          >
            <Input autoComplete="off" spellCheck={false} />
          </Form.Item>
        )}
      </Form>
      {done !== null && (
        <div role="status" aria-live="polite">
          <Progress percent={Math.round((done / ids.length) * 100)} status={error ? 'exception' : finished ? 'success' : 'active'} />
          <span className="sx-muted">{finished ? t('assign.done', { count: done }) : t('assign.progress', { done, total: ids.length })}</span>
        </div>
      )}
      {error && <Alert role="alert" type="error" showIcon message={error} style={{ marginTop: 12 }} />}
    </Modal>
  );
}
