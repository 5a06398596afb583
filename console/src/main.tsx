// The s3gate web console: a Preact app served by the gateway at /console (built by scripts/console.mjs).
// It signs in with an API key or the admin token, kept in sessionStorage (never in a URL), and calls the
// API through the typed client like any other caller.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { S3gate } from '../../clients/typescript/src/index.js';
import { Admin } from './admin.js';
import { AdminDashboard } from './admin-dashboard.js';
import { Dashboard } from './dashboard.js';
import { ErrorBox } from './error-box.js';
import { Events } from './events.js';
import { Objects } from './objects.js';
import { Webhooks } from './webhooks.js';

export interface Session {
  kind: 'apiKey' | 'adminToken';
  token: string;
}

const STORE = 's3gate.console.session';

function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORE) ?? 'null') as Session | null;
    return s && (s.kind === 'apiKey' || s.kind === 'adminToken') && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function clientFor(session: Session): S3gate {
  return new S3gate({ baseUrl: location.origin, ...(session.kind === 'apiKey' ? { apiKey: session.token } : { adminToken: session.token }) });
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [kind, setKind] = useState<Session['kind']>('apiKey');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const session = { kind, token: token.trim() };
    try {
      // One call that needs the credential: the buckets of the key's tenant, or the tenants.
      const client = clientFor(session);
      if (kind === 'apiKey') await client.buckets.list();
      else {
        const { error: err, response } = await client.api.GET('/admin/tenants');
        if (!response.ok) throw Object.assign(new Error(err?.message ?? response.statusText), { code: err?.code });
      }
      sessionStorage.setItem(STORE, JSON.stringify(session));
      onSignedIn(session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <form class="card" onSubmit={submit} aria-label="sign in">
        <h1>Sign in to s3gate</h1>
        <ErrorBox error={error} />
        <div class="row">
          <label>
            <input type="radio" name="kind" checked={kind === 'apiKey'} onChange={() => setKind('apiKey')} /> API key
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'adminToken'} onChange={() => setKind('adminToken')} /> Admin token
          </label>
        </div>
        <div class="row">
          <input
            name="token"
            type="password"
            autocomplete="off"
            placeholder={kind === 'apiKey' ? 's3g_…' : 's3ga_…'}
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            style="flex:1;min-width:14rem"
          />
          <button class="primary" type="submit" disabled={busy || token.trim() === ''}>
            Sign in
          </button>
        </div>
        <p class="muted">Kept in this tab's session storage only; closing the tab signs you out.</p>
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [route, setRoute] = useState(location.hash);
  useEffect(() => {
    const on = () => setRoute(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  if (!session) return <SignIn onSignedIn={setSession} />;
  const signOut = () => {
    sessionStorage.removeItem(STORE);
    setSession(null);
  };
  return (
    <>
      <header>
        <strong>s3gate</strong>
        <nav>
          {session.kind === 'apiKey' ? (
            <>
              <a href="#/dashboard">Dashboard</a>
              <a href="#/objects">Objects</a>
              <a href="#/events">Events</a>
              <a href="#/webhooks">Webhooks</a>
            </>
          ) : (
            <>
              <a href="#/stats">Dashboard</a>
              <a href="#/admin">Tenants</a>
            </>
          )}
        </nav>
        <button onClick={signOut}>Sign out</button>
      </header>
      {session.kind === 'apiKey' ? (
        route.startsWith('#/dashboard') ? (
          <Dashboard client={clientFor(session)} />
        ) : route.startsWith('#/events') ? (
          <Events apiKey={session.token} />
        ) : route.startsWith('#/webhooks') ? (
          <Webhooks client={clientFor(session)} />
        ) : (
          <Objects client={clientFor(session)} apiKey={session.token} route={route} />
        )
      ) : route.startsWith('#/stats') ? (
        <AdminDashboard client={clientFor(session)} />
      ) : (
        <Admin client={clientFor(session)} />
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
