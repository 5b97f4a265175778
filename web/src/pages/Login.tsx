/** Sign in with an API key (checked against GET /v1/models) and, for a static deployment, the API's URL. */
import { useEffect, useRef, useState } from 'react';
import { Api, ApiError, BUILT_API_URL, type Session } from '../lib/api.ts';

export function LoginPage({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [base, setBase] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  return (
    <main id="main" className="login">
      <h1>medslim console</h1>
      <p>Sign in with an API key (msk_…). It is kept in this tab’s session storage only, and sent to the API as a bearer token.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const s = { key: key.trim(), base: base.trim().replace(/\/+$/, '') };
          if (!s.key) return setError('Enter an API key.');
          setBusy(true);
          setError(null);
          try {
            await new Api(s).listModels();
            onSignIn(s);
          } catch (err) {
            const status = err instanceof ApiError ? err.status : 0;
            setError(status === 401 ? 'That key was not accepted (401): check it and try again.' : (err as Error).message);
            input.current?.focus();
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            ref={input}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-describedby={error ? 'login-error' : undefined}
            aria-invalid={error ? true : undefined}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="api-base">API URL (optional)</label>
          <input id="api-base" type="url" placeholder={BUILT_API_URL || 'this site’s origin'} value={base} onChange={(e) => setBase(e.target.value)} aria-describedby="api-base-help" />
          <p id="api-base-help" className="help">
            {BUILT_API_URL
              ? `Leave empty for the API this console was deployed with (${BUILT_API_URL}).`
              : 'Leave empty when the console is served by medslim serve. For a console hosted elsewhere, the API’s origin, e.g. https://api.example.org.'}
          </p>
        </div>
        {error ? (
          <p id="login-error" className="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
