/**
 * The console shell: sign-in gate, header navigation, and the page of the current hash route.
 * On every navigation the page's heading gets focus, so screen readers announce the new page.
 */
import { useEffect, useMemo, useState } from 'react';
import { Api, clearSession, loadSession, saveSession, type Session } from './lib/api.ts';
import { ApiContext } from './lib/context.ts';
import { useRoute } from './lib/hooks.ts';
import { href, type Route } from './lib/route.ts';
import { JobPage } from './pages/Job.tsx';
import { JobsPage } from './pages/Jobs.tsx';
import { LoginPage } from './pages/Login.tsx';
import { ModelPage } from './pages/Model.tsx';
import { ModelsPage } from './pages/Models.tsx';
import { RolloutPage } from './pages/Rollout.tsx';
import { VersionPage } from './pages/Version.tsx';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'models':
      return <ModelsPage />;
    case 'model':
      return <ModelPage name={route.name} />;
    case 'version':
      return <VersionPage name={route.name} version={route.version} />;
    case 'rollout':
      return <RolloutPage name={route.name} alias={route.alias} />;
    case 'jobs':
      return <JobsPage />;
    case 'job':
      return <JobPage id={route.id} />;
    case 'not-found':
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={href({ page: 'models' })}>Go to the models</a>.
          </p>
        </>
      );
  }
}

/** The top-level section a route belongs to (for aria-current in the navigation). */
const sectionOf = (r: Route) => (r.page === 'jobs' || r.page === 'job' ? 'jobs' : 'models');

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const route = useRoute();
  const api = useMemo(() => (session ? new Api(session) : null), [session]);
  const routeKey = JSON.stringify(route);

  useEffect(() => {
    if (!session) return;
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }, [routeKey, session]);

  if (!session || !api) {
    return (
      <LoginPage
        onSignIn={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  }
  const section = sectionOf(route);
  return (
    <ApiContext.Provider value={api}>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href({ page: 'models' })}>
          medslim <span>console</span>
        </a>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href={href({ page: 'models' })} aria-current={section === 'models' ? 'page' : undefined}>
                Models
              </a>
            </li>
            <li>
              <a href={href({ page: 'jobs' })} aria-current={section === 'jobs' ? 'page' : undefined}>
                Jobs
              </a>
            </li>
          </ul>
        </nav>
        <div className="who">
          <span className="muted" title={session.base || location.origin}>
            key …{session.key.slice(-4)}
          </span>
          <button
            type="button"
            onClick={() => {
              clearSession();
              setSession(null);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={routeKey} route={route} />
      </main>
    </ApiContext.Provider>
  );
}
