import { useEffect, useState } from "preact/hooks";
import { devLogin, type DevLogin } from "../lib/dev.js";
import { claims } from "../lib/token.js";

interface Props {
  base: string;
  busy: boolean;
  error: string;
  onToken: (token: string) => void;
  onDevUser: (userID: string) => void;
}

/** SignIn asks for a user token, or on a development server for a user name. */
export function SignIn({ base, busy, error, onToken, onDevUser }: Props) {
  const [token, setToken] = useState("");
  const [user, setUser] = useState("");
  const [dev, setDev] = useState<DevLogin>();
  useEffect(() => {
    void devLogin(base).then(setDev);
  }, [base]);
  const who = claims(token);

  return (
    <main class="signin">
      <div class="signin-card">
        <h1>
          <span class="logo" aria-hidden="true">
            P
          </span>{" "}
          Plaza
        </h1>
        <p class="muted">Communities, channels and threads, live.</p>
        {dev && (
          <form
            aria-label="Development sign-in"
            onSubmit={(e) => {
              e.preventDefault();
              if (user.trim()) onDevUser(user.trim());
            }}
          >
            <label>
              User name
              <input name="user" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} placeholder="user1" autoFocus required />
            </label>
            <button type="submit" disabled={busy}>
              Sign in as this user
            </button>
            <p class="hint">
              Development server (<code>--dev-login</code>): any user of the development app ({dev.appID}) signs in by name, without a token.
            </p>
          </form>
        )}
        <form
          aria-label="Sign in with a token"
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim()) onToken(token.trim());
          }}
        >
          <label>
            User token
            <textarea name="token" rows={3} value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="eyJ…" spellcheck={false} required />
          </label>
          {who && (
            <p class="hint">
              Signs in as <strong>{who.userID}</strong> of app {who.appID}
              {who.expiresAt > 0 && who.expiresAt < Date.now() ? " (expired)" : ""}.
            </p>
          )}
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          <p class="hint">
            Your app's backend mints user tokens; for a try, <code>plaza token --user NAME</code> prints one. A link to <code>/#token=…</code> signs in directly.
          </p>
        </form>
        {busy && (
          <p role="status" class="muted">
            Signing in…
          </p>
        )}
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </div>
    </main>
  );
}
