// Development sign-in: a server started with --dev-login mints a token for
// any user of its development app, by name. Never on a real server: the
// endpoints answer 404 there, and the sign-in screen offers tokens only.

/** DevLogin is what a development server says of its sign-in. */
export interface DevLogin {
  appID: string;
}

/** devLogin asks whether the server offers development sign-in. */
export async function devLogin(baseURL: string): Promise<DevLogin | undefined> {
  try {
    const r = await fetch(baseURL + "/v1/dev", { headers: { Accept: "application/json" } });
    if (!r.ok) return undefined;
    const d = (await r.json()) as { devLogin?: boolean; appID?: string };
    return d.devLogin && d.appID ? { appID: d.appID } : undefined;
  } catch {
    return undefined;
  }
}

/** devToken mints a token for a user of the development app. */
export async function devToken(baseURL: string, userID: string): Promise<string> {
  const r = await fetch(baseURL + "/v1/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ userID }),
  });
  const d = (await r.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (!r.ok || !d.token) throw new Error(d.error?.message ?? `the server answered ${r.status}`);
  return d.token;
}
