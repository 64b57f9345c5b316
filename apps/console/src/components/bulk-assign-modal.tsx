import { Alert, Form, Modal, Progress, Radio, Select, Space } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/api-client';
import type { StaffEntry } from '@sanxian/api-types';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { regionName } from '../regions/regions';
import { describeError } from './problem';

/** Ids per request: the API assigns each request all or none; the progress bar moves per request. */
const CHUNK = 100;
/** Roles that may resolve discrepancies, hence be assigned them. */
const ASSIGNABLE = ['admin', 'county', 'township'];

type Target = 'me' | 'nobody' | 'user';

/**
 * Assigns the selected discrepancies to one user (or nobody), in requests of a hundred, with
 * progress. Another user is picked from the staff directory (`GET /v1/staff`): those who may
 * resolve discrepancies, and of the township users only those whose township holds every
 * discrepancy selected (the API refuses the others).
 */
export function BulkAssignModal({ ids, townships, onClose }: { ids: string[]; townships: string[]; onClose(changed: boolean): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { user } = useSession();
  const [form] = Form.useForm<{ target: Target; userId?: string }>();
  const target = Form.useWatch('target', form);
  const [done, setDone] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);
  const [directory, setDirectory] = useState<{ users: StaffEntry[] | null; error: unknown }>({ users: null, error: null });

  useEffect(() => {
    if (target !== 'user' || directory.users) return;
    const controller = new AbortController();
    api<{ items: StaffEntry[] }>('/v1/staff', { signal: controller.signal }).then(
      (body) => setDirectory({ users: body.items, error: null }),
      (e) => {
        if ((e as Error).name !== 'AbortError') setDirectory({ users: null, error: e });
      },
    );
    return () => controller.abort();
  }, [target, directory.users]);

  const options = useMemo(() => {
    const fits = (u: StaffEntry) => ASSIGNABLE.includes(u.role) && (u.role !== 'township' || townships.every((code) => u.regionCode !== null && code.startsWith(u.regionCode)));
    return (directory.users ?? []).filter(fits).map((u) => ({
      value: u.id,
      label: `${u.username} · ${t(`role.${u.role}`)}${u.regionCode ? ` · ${regionName(u.regionCode)}` : ''}`,
    }));
  }, [directory.users, townships, t]);

  const run = async () => {
    const values = await form.validateFields();
    const assigneeId = values.target === 'me' ? user!.userId : values.target === 'nobody' ? null : values.userId!;
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
            label={t('assign.user')}
            name="userId"
            extra={townships.length === 1 ? t('assign.userHelpTownship', { township: regionName(townships[0]) }) : t('assign.userHelp')}
            rules={[{ required: true, message: t('assign.userRequired') }]}
          >
            <Select
              showSearch
              optionFilterProp="label"
              loading={directory.users === null && !directory.error}
              placeholder={t('assign.userPlaceholder')}
              options={options}
              notFoundContent={directory.users === null ? t('app.loading') : t('assign.noUser')}
            />
          </Form.Item>
        )}
        {directory.error !== null && target === 'user' && <Alert type="error" showIcon message={describeError(directory.error, i18n)} />}
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
