// A user token's claims, read (not verified: the server does that) so that
// the client can say whom a pasted token signs in before it connects.

/** Claims are the parts of a Plaza user token the client shows. */
export interface Claims {
  appID: string;
  userID: string;
  /** When the token expires, Unix ms. */
  expiresAt: number;
}

/** claims decodes a token's payload; undefined when it is not a Plaza user token. */
export function claims(token: string): Claims | undefined {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return undefined;
  try {
    const b64 = parts[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64 + "===".slice((b64.length + 3) % 4)), (c) => c.charCodeAt(0)));
    const p = JSON.parse(json) as { app?: unknown; sub?: unknown; exp?: unknown };
    if (typeof p.sub !== "string" || (typeof p.app !== "string" && typeof p.app !== "number")) return undefined;
    return { appID: String(p.app), userID: p.sub, expiresAt: typeof p.exp === "number" ? p.exp * 1000 : 0 };
  } catch {
    return undefined;
  }
}

/**
 * tokenFromFragment reads a token given in the URL's fragment
 * (`/#token=…`): a fragment never reaches a server, so the token stays out
 * of access logs and proxies.
 */
export function tokenFromFragment(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const t = params.get("token");
  return t ? t.trim() : undefined;
}
