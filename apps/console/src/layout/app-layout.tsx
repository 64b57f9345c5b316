import { AccountBookOutlined, AuditOutlined, BarChartOutlined, FieldTimeOutlined, LogoutOutlined, MenuOutlined, MonitorOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Button, Drawer, Grid, Layout, Menu, Segmented, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { canUser, type Permission } from '../auth/roles';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { regionName } from '../regions/regions';

const MENU: { path: string; label: MessageKey; permission: Permission; icon: ReactNode }[] = [
  { path: '/discrepancies', label: 'menu.discrepancies', permission: 'discrepancies', icon: <UnorderedListOutlined /> },
  { path: '/verification-requests', label: 'menu.verification', permission: 'discrepancies', icon: <FieldTimeOutlined /> },
  { path: '/link-reviews', label: 'menu.linkReviews', permission: 'linkReviews', icon: <AuditOutlined /> },
  { path: '/scoreboard', label: 'menu.scoreboard', permission: 'scoreboard', icon: <BarChartOutlined /> },
  { path: '/monitor', label: 'menu.monitor', permission: 'monitor', icon: <MonitorOutlined /> },
  { path: '/ledger', label: 'menu.ledger', permission: 'ledger', icon: <AccountBookOutlined /> },
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

/**
 * Whether the screen is narrow (a phone, a small tablet): below Ant Design's `lg` (992 px) the menu
 * moves into a drawer and pages show cards instead of wide tables.
 */
export function useNarrowScreen(): boolean {
  const screens = Grid.useBreakpoint();
  // Before the first measurement every breakpoint is undefined: judge by the window, so the first paint is right.
  return screens.lg === undefined ? window.innerWidth < 992 : !screens.lg;
}

export function AppLayout() {
  const { t } = useI18n();
  const { user, signOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const narrow = useNarrowScreen();
  const [menuOpen, setMenuOpen] = useState(false);
  const items = MENU.filter((item) => canUser(user, item.permission));
  const selected = items.find((item) => location.pathname.startsWith(item.path))?.path;

  // A page opened from the drawer closes it.
  useEffect(() => setMenuOpen(false), [location.pathname]);

  const menu = (
    <nav aria-label={t('app.title')}>
      <Menu
        theme="dark"
        mode="inline"
        selectedKeys={selected ? [selected] : []}
        items={items.map((item) => ({ key: item.path, icon: item.icon, label: <Link to={item.path}>{t(item.label)}</Link> }))}
      />
    </nav>
  );

  return (
    <Layout style={{ minHeight: '100vh' }} hasSider={!narrow}>
      <a className="sx-skip-link" href="#main">{t('app.skipToContent')}</a>
      {narrow ? (
        <Drawer
          placement="left"
          width={240}
          open={menuOpen}
          onClose={() => setMenuOpen(false)}
          title={t('app.title')}
          styles={{ body: { padding: 0, background: '#001529' }, header: { background: '#001529' } }}
          closeIcon={<span style={{ color: '#fff' }} aria-label={t('app.closeMenu')}>✕</span>}
          rootClassName="sx-menu-drawer"
        >
          {menu}
        </Drawer>
      ) : (
        <Layout.Sider width={216}>
          <div className="sx-brand">{t('app.title')}</div>
          {menu}
        </Layout.Sider>
      )}
      <Layout>
        <Layout.Header className="sx-header" data-testid="app-header">
          {narrow && (
            <Button icon={<MenuOutlined />} aria-label={t('app.openMenu')} aria-expanded={menuOpen} onClick={() => setMenuOpen(true)} />
          )}
          <h1>{t('app.subtitle')}</h1>
          <div className="sx-header-tools">
            <LanguageSwitch />
            {user && (
              <span className="sx-header-user" data-testid="current-user">
                <Typography.Text strong translate="no">{user.username}</Typography.Text>{' '}
                <Typography.Text className="sx-muted">
                  {t(`role.${user.role}`)}{user.regionCode ? ` · ${regionName(user.regionCode)}` : ''}
                </Typography.Text>
              </span>
            )}
            <Button
              icon={<LogoutOutlined />}
              aria-label={narrow ? t('app.signOut') : undefined}
              title={narrow ? t('app.signOut') : undefined}
              onClick={() => {
                signOut();
                navigate('/sign-in');
              }}
            >
              {narrow ? null : t('app.signOut')}
            </Button>
          </div>
        </Layout.Header>
        {/* The page's one <main> (Layout.Content would be a second one around it). */}
        <main id="main" tabIndex={-1} className="sx-main" style={{ flex: 'auto', minHeight: 0 }}>
          <Outlet />
        </main>
      </Layout>
    </Layout>
  );
}
