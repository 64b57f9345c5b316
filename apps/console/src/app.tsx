import { CONSOLE_FONT_FAMILY } from './font';
import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { canUser, homePath, type Permission } from './auth/roles';
import { SessionProvider, useSession } from './auth/session';
import { I18nProvider, useI18n } from './i18n/i18n';
import { AppLayout } from './layout/app-layout';
import { DiscrepancyQueuePage } from './pages/discrepancy-queue.page';
import { SignInPage } from './pages/sign-in.page';

// The work queue is the page staff open first: it is in the main bundle; the others load on demand.
const DiscrepancyDetailPage = lazy(() => import('./pages/discrepancy-detail.page'));
const LinkReviewQueuePage = lazy(() => import('./pages/link-review-queue.page'));
const LinkReviewDetailPage = lazy(() => import('./pages/link-review-detail.page'));
const ScoreboardPage = lazy(() => import('./pages/scoreboard.page'));
const ScoreboardUnitPage = lazy(() => import('./pages/scoreboard-unit.page'));
const EvidenceRecordsPage = lazy(() => import('./pages/evidence-records.page'));
const ExchangeMonitorPage = lazy(() => import('./pages/exchange-monitor.page'));
const LedgerPage = lazy(() => import('./pages/ledger.page'));
const VerificationRequestsPage = lazy(() => import('./pages/verification-requests.page'));

function Loading() {
  const { t } = useI18n();
  return (
    <div style={{ padding: 48, textAlign: 'center' }} role="status">
      <Spin /> <span className="sx-muted">{t('app.loading')}</span>
    </div>
  );
}

/** Signed in, and allowed by role; otherwise the sign-in page (coming back here after) or a refusal. */
function Guard({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { user } = useSession();
  const { t } = useI18n();
  const location = useLocation();
  if (user === undefined) return <Loading />;
  if (user === null) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (!canUser(user, permission)) return <Result status="403" title={t('error.forbidden')} />;
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function Home() {
  const { user } = useSession();
  if (user === undefined) return <Loading />;
  return <Navigate to={user ? homePath(user.role) : '/sign-in'} replace />;
}

function Localised({ children }: { children: ReactNode }) {
  const { language } = useI18n();
  return (
    <ConfigProvider
      locale={language === 'zh-CN' ? zhCN : enUS}
      // The primary blue darkened a step so that text links and primary buttons pass WCAG AA (4.5:1), and
      // secondary texts (descriptions, empty states, table headers' hints) darkened from 45% to 65% black.
      theme={{
        token: {
          colorPrimary: '#0958d9', colorLink: '#0958d9', colorError: '#cf1322', borderRadius: 4,
          colorTextDescription: 'rgba(0, 0, 0, 0.65)', colorTextTertiary: 'rgba(0, 0, 0, 0.65)',
          fontFamily: CONSOLE_FONT_FAMILY,
        },
      }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Localised>
        <SessionProvider>
          <BrowserRouter>
            <Routes>
              <Route path="/sign-in" element={<SignInPage />} />
              <Route element={<AppLayout />}>
                <Route path="/" element={<Home />} />
                <Route path="/discrepancies" element={<Guard permission="discrepancies"><DiscrepancyQueuePage /></Guard>} />
                <Route path="/discrepancies/:id" element={<Guard permission="discrepancies"><DiscrepancyDetailPage /></Guard>} />
                <Route path="/verification-requests" element={<Guard permission="discrepancies"><VerificationRequestsPage /></Guard>} />
                <Route path="/link-reviews" element={<Guard permission="linkReviews"><LinkReviewQueuePage /></Guard>} />
                <Route path="/link-reviews/:id" element={<Guard permission="linkReviews"><LinkReviewDetailPage /></Guard>} />
                <Route path="/scoreboard" element={<Guard permission="scoreboard"><ScoreboardPage /></Guard>} />
                <Route path="/scoreboard/units/:unitId" element={<Guard permission="scoreboard"><ScoreboardUnitPage /></Guard>} />
                <Route path="/scoreboard/units/:unitId/indicators/:indicatorId" element={<Guard permission="scoreboard"><EvidenceRecordsPage /></Guard>} />
                <Route path="/monitor" element={<Guard permission="monitor"><ExchangeMonitorPage /></Guard>} />
                <Route path="/ledger" element={<Guard permission="ledger"><LedgerPage /></Guard>} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </BrowserRouter>
        </SessionProvider>
      </Localised>
    </I18nProvider>
  );
}

function NotFound() {
  const { user } = useSession();
  if (user === null) return <Navigate to="/sign-in" replace />;
  return <Result status="404" title="404" />;
}
