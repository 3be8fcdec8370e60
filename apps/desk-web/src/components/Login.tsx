import { useState } from 'preact/hooks';
import { type AgentSummary, api, call } from '../api/client';

/** Sign-in; shows why the last session ended (expired token, server restart) instead of logging out silently. */
export function Login({ notice, onSignedIn }: { notice?: string; onSignedIn(token: string, agent: AgentSummary): void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <form
        aria-labelledby="login-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          setBusy(true);
          setError('');
          try {
            const result = await call(
              api.POST('/api/auth/login', {
                body: { username: String(form.get('username')).trim().toLowerCase(), password: String(form.get('password')) },
              }),
            );
            onSignedIn(result.token, result.agent);
          } catch (failure) {
            setError(failure instanceof Error ? failure.message : String(failure));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="login-title">Agent desk</h1>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label for="username">Username</label>
        <input id="username" name="username" autoComplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <p class="error" role="alert">
          {error}
        </p>
        <button class="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
