import { useState } from 'preact/hooks';

export function SignIn({
  onSignIn,
  message,
}: {
  onSignIn: (key: string) => Promise<void>;
  message: string | null;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (key.trim() === '') return;
    setBusy(true);
    await onSignIn(key.trim());
    setBusy(false);
  };
  return (
    <main id="main" class="sign-in">
      <h1>Ledger console</h1>
      <p>Sign in with your API key. It is kept for this browser tab only and sent to this ledger alone.</p>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-describedby={message ? 'sign-in-message' : undefined}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {message && (
        <p id="sign-in-message" class="message" role="alert">
          {message}
        </p>
      )}
    </main>
  );
}
