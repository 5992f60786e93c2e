import { useEffect, type ReactNode } from 'react';
import { LoginPage, SignupPage } from './auth/auth-pages';
import { useSession } from './auth/session';
import { BoardPage } from './board/board-page';
import { DashboardPage } from './dashboard/dashboard-page';
import { ImportsPage } from './imports/imports-page';
import { LeadPage } from './lead/lead-page';
import { NotificationBell } from './notifications/notification-bell';
import { NotificationsPage } from './notifications/notifications-page';
import { PipelineEditorPage, PipelinesPage } from './pipelines/pipelines-page';
import { SequenceEditorPage, SequencesPage } from './sequences/sequences-page';
import { CopyButton } from './shared/copy-button';
import { Link, matchPath, navigate, useLocation } from './shared/router';
import { ApiKeysPage } from './settings/api-keys-page';
import { FormsPage } from './settings/forms-page';
import { OutboundWebhooksPage } from './settings/outbound-webhooks-page';
import { WebhookSourcesPage } from './settings/webhook-sources-page';

interface Route {
  pattern: string;
  title: string;
  render(params: Record<string, string>): ReactNode;
}

const SETTINGS = [
  { to: '/settings/pipelines', label: 'Pipelines' },
  { to: '/settings/api-keys', label: 'API keys' },
  { to: '/settings/webhook-sources', label: 'Webhook sources' },
  { to: '/settings/forms', label: 'Forms' },
  { to: '/settings/outbound-webhooks', label: 'Outbound webhooks' },
];

const ROUTES: Route[] = [
  { pattern: '/', title: 'Board', render: () => <BoardPage /> },
  { pattern: '/leads/:id', title: 'Lead', render: ({ id }) => <LeadPage key={id} leadId={id} /> },
  { pattern: '/dashboard', title: 'Dashboard', render: () => <DashboardPage /> },
  { pattern: '/imports', title: 'Imports', render: () => <ImportsPage /> },
  { pattern: '/sequences', title: 'Sequences', render: () => <SequencesPage /> },
  { pattern: '/sequences/new', title: 'New sequence', render: () => <SequenceEditorPage /> },
  { pattern: '/sequences/:id', title: 'Sequence', render: ({ id }) => <SequenceEditorPage key={id} sequenceId={id} /> },
  { pattern: '/notifications', title: 'Notifications', render: () => <NotificationsPage /> },
  { pattern: '/settings/pipelines', title: 'Pipelines', render: () => <PipelinesPage /> },
  { pattern: '/settings/pipelines/new', title: 'New pipeline', render: () => <PipelineEditorPage /> },
  { pattern: '/settings/pipelines/:id', title: 'Pipeline', render: ({ id }) => <PipelineEditorPage key={id} pipelineId={id} /> },
  { pattern: '/settings/api-keys', title: 'API keys', render: () => <ApiKeysPage /> },
  { pattern: '/settings/webhook-sources', title: 'Webhook sources', render: () => <WebhookSourcesPage /> },
  { pattern: '/settings/forms', title: 'Forms', render: () => <FormsPage /> },
  { pattern: '/settings/outbound-webhooks', title: 'Outbound webhooks', render: () => <OutboundWebhooksPage /> },
];

/** A navigation link, marked current on its own path (or, with `section`, anywhere under it). */
function NavLink({ to, children, exact = false, section = to }: { to: string; children: ReactNode; exact?: boolean; section?: string }) {
  const { path } = useLocation();
  const current = exact ? path === to : path === section || path.startsWith(`${section}/`);
  return (
    <Link to={to} aria-current={current ? 'page' : undefined} className="nav-link">
      {children}
    </Link>
  );
}

function FirstApiKey() {
  const { firstApiKey, dismissFirstApiKey } = useSession();
  if (!firstApiKey) return null;
  return (
    <div className="notice" role="region" aria-label="Your API key">
      <p>
        Your workspace's API key, shown only this once: <code data-testid="first-api-key">{firstApiKey}</code> <CopyButton value={firstApiKey} />
      </p>
      <button type="button" className="link-button" onClick={dismissFirstApiKey}>
        I have saved it
      </button>
    </div>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { session, logOut } = useSession();
  const { path } = useLocation();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          500 Leads
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" exact>
            Board
          </NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/imports">Imports</NavLink>
          <NavLink to="/sequences">Sequences</NavLink>
          <NavLink to="/settings/pipelines" section="/settings">
            Settings
          </NavLink>
        </nav>
        <div className="topbar-end">
          <NotificationBell />
          <span className="workspace" title={session?.user.email}>
            {session?.workspace.name}
          </span>
          <button type="button" className="secondary small" onClick={() => void logOut().then(() => navigate('/login'))}>
            Log out
          </button>
        </div>
      </header>
      <FirstApiKey />
      <div className={path.startsWith('/settings') ? 'with-sidebar' : undefined}>
        {path.startsWith('/settings') && (
          <nav aria-label="Settings" className="sidebar">
            {SETTINGS.map((item) => (
              <NavLink key={item.to} to={item.to}>
                {item.label}
              </NavLink>
            ))}
          </nav>
        )}
        <main id="main" className="content">
          {children}
        </main>
      </div>
    </>
  );
}

export function App() {
  const { session } = useSession();
  const location = useLocation();
  const { path } = location;
  const publicPage = path === '/login' || path === '/signup';

  useEffect(() => {
    if (!session && !publicPage) navigate(`/login?next=${encodeURIComponent(path + (location.query.size ? `?${location.query}` : ''))}`, { replace: true });
    else if (session && publicPage) navigate('/', { replace: true });
    else if (path === '/settings') navigate('/settings/pipelines', { replace: true });
  }, [session, publicPage, path, location.query]);

  const route = ROUTES.map((item) => ({ item, params: matchPath(item.pattern, path) })).find((match) => match.params);
  useEffect(() => {
    document.title = `${publicPage ? (path === '/login' ? 'Log in' : 'Sign up') : (route?.item.title ?? 'Not found')} · 500 Leads`;
  }, [publicPage, path, route?.item.title]);

  if (!session) return path === '/signup' ? <SignupPage /> : path === '/login' ? <LoginPage /> : null;
  if (publicPage) return null;
  return <Shell>{route ? route.item.render(route.params!) : <p>Nothing here. <Link to="/">Back to the board</Link></p>}</Shell>;
}
