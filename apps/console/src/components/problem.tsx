import { Alert, Button, Result } from 'antd';
import { ApiError, NetworkError } from '../api/api-client';
import type { I18n } from '../i18n/i18n';
import { useI18n } from '../i18n/i18n';

/** What went wrong, in the user's language, and what to do about it. */
export function describeError(error: unknown, { t }: Pick<I18n, 't'>): string {
  if (error instanceof NetworkError) return t('error.network');
  if (error instanceof ApiError) {
    if (error.status === 401) return t('app.sessionExpired');
    if (error.status === 403) return t('error.forbidden');
    if (error.status === 409) return t('error.conflict');
    if (error.status === 422) return t('error.unprocessable', { detail: error.detail });
    if (error.status === 429 || error.status >= 502) return t('error.unavailable');
    const fields = error.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return t('error.generic', { detail: fields || error.detail });
  }
  return t('error.generic', { detail: (error as Error)?.message ?? String(error) });
}

/** An error in place of a page's content, with a way to try again. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  return (
    <Result
      status="warning"
      title={describeError(error, i18n)}
      extra={onRetry ? <Button type="primary" onClick={onRetry}>{i18n.t('app.retry')}</Button> : undefined}
    />
  );
}

/** An error above a form: the form keeps what was typed. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const i18n = useI18n();
  return <Alert role="alert" type="error" showIcon message={title ?? describeError(error, i18n)} description={title ? describeError(error, i18n) : undefined} />;
}
