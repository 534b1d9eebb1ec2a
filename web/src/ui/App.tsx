import { useEffect, useState } from "preact/hooks";
import { Chat, describe } from "../model/chat.js";
import { devToken } from "../lib/dev.js";
import { tokenFromFragment } from "../lib/token.js";
import { SignIn } from "./SignIn.js";
import { Workspace } from "./Workspace.js";

// The token is kept for the tab only (sessionStorage): a reload keeps the
// person signed in, another tab may sign in as someone else, and closing the
// tab forgets it.
const tokenKey = "plaza.token";
const devUserKey = "plaza.devUser";

/** App signs a person in, then shows their chat. */
export function App() {
  const [chat, setChat] = useState<Chat>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(true);
  const base = location.origin;

  async function signIn(token: string, devUser?: string): Promise<void> {
    setBusy(true);
    setError("");
    const opts: ConstructorParameters<typeof Chat>[0] = { baseURL: base, token };
    if (devUser) opts.renew = () => devToken(base, devUser);
    const c = new Chat(opts);
    try {
      await c.start();
      sessionStorage.setItem(tokenKey, token);
      if (devUser) sessionStorage.setItem(devUserKey, devUser);
      else sessionStorage.removeItem(devUserKey);
      setChat(c);
    } catch (e) {
      c.close();
      sessionStorage.removeItem(tokenKey);
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    // A token in the fragment (/#token=…) signs in at once, and leaves the
    // address bar and the history at once.
    const fromHash = tokenFromFragment(location.hash);
    if (fromHash) history.replaceState(history.state, "", location.pathname + location.search);
    const token = fromHash ?? sessionStorage.getItem(tokenKey);
    if (token) void signIn(token, fromHash ? undefined : (sessionStorage.getItem(devUserKey) ?? undefined));
    else setBusy(false);
  }, []);

  function signOut(): void {
    chat?.close();
    sessionStorage.removeItem(tokenKey);
    sessionStorage.removeItem(devUserKey);
    setChat(undefined);
    history.replaceState(null, "", "/");
  }

  if (chat) return <Workspace chat={chat} onSignOut={signOut} />;
  return (
    <SignIn
      base={base}
      busy={busy}
      error={error}
      onToken={(t) => void signIn(t)}
      onDevUser={async (user) => {
        setBusy(true);
        setError("");
        try {
          await signIn(await devToken(base, user), user);
        } catch (e) {
          setError(describe(e));
          setBusy(false);
        }
      }}
    />
  );
}
