import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../api/client';
import { Link, navigate, useLocation } from '../shared/router';
import { ProblemAlert } from '../shared/problem-alert';
import { useSession } from './session';

/** After logging in: back where the user was sent from (a console path only), else the board. */
function destination(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

export function LoginPage() {
  const location = useLocation();
  const { signedIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(async () => {
    signedIn(await api.logIn({ email, password }));
    navigate(destination(location.query), { replace: true });
  });
  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to 500 Leads</h1>
        <ProblemAlert error={error} />
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p>
          New here? <Link to="/signup">Create a workspace</Link>
        </p>
      </form>
    </main>
  );
}

export function SignupPage() {
  const { signedIn } = useSession();
  const [workspaceName, setWorkspaceName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(async () => {
    const created = await api.signUp({ workspaceName, email, password });
    signedIn(created, created.apiKey);
    navigate('/', { replace: true });
  });
  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="signup-title">
        <h1 id="signup-title">Create your workspace</h1>
        <ProblemAlert error={error} />
        <label>
          Workspace name
          <input required autoComplete="organization" value={workspaceName} onChange={(event) => setWorkspaceName(event.target.value)} />
        </label>
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Password <span className="hint">(at least 10 characters)</span>
          <input type="password" autoComplete="new-password" required minLength={10} value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Sign up'}
        </button>
        <p>
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </form>
    </main>
  );
}
