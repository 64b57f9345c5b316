import { AuditOutlined, BarChartOutlined, LogoutOutlined, MonitorOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Segmented, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { canUser, type Permission } from '../auth/roles';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { regionName } from '../regions/regions';

const MENU: { path: string; label: MessageKey; permission: Permission; icon: ReactNode }[] = [
  { path: '/discrepancies', label: 'menu.discrepancies', permission: 'discrepancies', icon: <UnorderedListOutlined /> },
  { path: '/link-reviews', label: 'menu.linkReviews', permission: 'linkReviews', icon: <AuditOutlined /> },
  { path: '/scoreboard', label: 'menu.scoreboard', permission: 'scoreboard', icon: <BarChartOutlined /> },
  { path: '/monitor', label: 'menu.monitor', permission: 'monitor', icon: <MonitorOutlined /> },
];

/** The language switch, on every page including sign-in. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <Segmented
      aria-label={t('app.language')}
      size="small"
      value={language}
      onChange={(value) => setLanguage(value as 'zh-CN' | 'en')}
      options={[{ label: '中文', value: 'zh-CN' }, { label: 'English', value: 'en' }]}
    />
  );
}

export function AppLayout() {
  const { t } = useI18n();
  const { user, signOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const items = MENU.filter((item) => canUser(user, item.permission));
  const selected = items.find((item) => location.pathname.startsWith(item.path))?.path;

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="sx-skip-link" href="#main">{t('app.skipToContent')}</a>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={216}>
        <div className="sx-brand">{t('app.title')}</div>
        <nav aria-label={t('app.title')}>
          <Menu
            theme="dark"
            mode="inline"
            selectedKeys={selected ? [selected] : []}
            items={items.map((item) => ({ key: item.path, icon: item.icon, label: <Link to={item.path}>{t(item.label)}</Link> }))}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="sx-header">
          <h1>{t('app.subtitle')}</h1>
          <LanguageSwitch />
          {user && (
            <Space size="small" data-testid="current-user">
              <Typography.Text strong>{user.username}</Typography.Text>
              <Typography.Text className="sx-muted">
                {t(`role.${user.role}`)}{user.regionCode ? ` · ${regionName(user.regionCode)}` : ''}
              </Typography.Text>
            </Space>
          )}
          <Button
            icon={<LogoutOutlined />}
            onClick={() => {
              signOut();
              navigate('/sign-in');
            }}
          >
            {t('app.signOut')}
          </Button>
        </Layout.Header>
        <Layout.Content>
          <main id="main" tabIndex={-1} className="sx-main">
            <Outlet />
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
