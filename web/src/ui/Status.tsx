import { useEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "../model/chat.js";

/**
 * ConnectionBanner says when the connection is away: while reconnecting
 * nothing is lost (the session resumes, missed messages are fetched, sends
 * wait and go out), and the banner says so; it says too when the connection
 * came back, for a moment.
 */
export function ConnectionBanner({ chat }: { chat: Chat }) {
  const [back, setBack] = useState(false);
  const was = useRef(chat.state);
  useEffect(() => {
    const before = was.current;
    was.current = chat.state;
    if (before === "reconnecting" && chat.state === "connected") {
      setBack(true);
      const t = setTimeout(() => setBack(false), 2500);
      return () => clearTimeout(t);
    }
    if (chat.state !== "connected") setBack(false);
    return undefined;
  }, [chat.state]);

  let body = null;
  if (chat.state === "reconnecting")
    body = (
      <div class="banner warn">
        <span class="spinner" aria-hidden="true" /> Reconnecting… Nothing is lost: messages you send wait and go out once the connection is back.
      </div>
    );
  else if (chat.state === "closed")
    body = (
      <div class="banner error">
        Disconnected: {chat.closedReason || "the session ended"}.{" "}
        <button type="button" class="small" onClick={() => location.reload()}>
          Reconnect
        </button>
      </div>
    );
  else if (back) body = <div class="banner ok">Connected again{chat.restored === "resynced" ? ": missed messages were fetched" : ""}.</div>;
  return (
    <div role="status" aria-label="Connection" class="banner-slot">
      {body}
    </div>
  );
}

/** Toasts shows refused actions and other short notes. */
export function Toasts({ chat }: { chat: Chat }) {
  return (
    <div class="toasts" role="alert" aria-live="assertive">
      {chat.toasts.map((t) => (
        <div key={t.id} class="toast">
          {t.text}
        </div>
      ))}
    </div>
  );
}
