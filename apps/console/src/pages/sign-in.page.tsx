import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/api-client';
import { homePath } from '../auth/roles';
import { useSession } from '../auth/session';
import { describeError } from '../components/problem';
import { useI18n } from '../i18n/i18n';
import { LanguageSwitch } from '../layout/app-layout';

/** Only paths inside the console are followed after sign-in. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function SignInPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { user, expired, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  if (user) return <Navigate to={next ?? homePath(user.role)} replace />;

  const submit = async (values: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const me = await signIn(values.username.trim(), values.password);
      navigate(next ?? homePath(me.role), { replace: true });
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? t('signIn.failed') : describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    // One column at most 400 px wide and never wider than the screen (a phone's is 360–430 px).
    <main id="main" className="sx-sign-in">
      <Card style={{ width: '100%' }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 8 }}>
          <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{t('app.title')}</Typography.Title>
        </div>
        <div style={{ marginBottom: 16 }}><LanguageSwitch /></div>
        <Typography.Title level={2} style={{ fontSize: 18 }}>{t('signIn.title')}</Typography.Title>
        <Typography.Paragraph className="sx-muted">{t('signIn.intro')}</Typography.Paragraph>
        {expired && !error && <Alert type="warning" showIcon message={t('app.sessionExpired')} style={{ marginBottom: 16 }} />}
        {error && <Alert role="alert" type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
        <Form layout="vertical" onFinish={submit} requiredMark={false} disabled={busy}>
          <Form.Item label={t('signIn.username')} name="username" rules={[{ required: true, whitespace: true, message: t('signIn.required.username') }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('signIn.password')} name="password" rules={[{ required: true, message: t('signIn.required.password') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>{t('signIn.submit')}</Button>
        </Form>
      </Card>
    </main>
  );
}
