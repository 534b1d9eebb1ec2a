import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "../model/chat.js";

/** DialogKind names the small forms the workspace opens. */
export type DialogKind = "community" | "join" | "channel" | "invite" | "profile" | undefined;

interface Props {
  chat: Chat;
  kind: DialogKind;
  communityID: string | undefined;
  onClose: () => void;
  onCommunity: (id: string) => void;
  onChannel: (communityID: string, channelID: string) => void;
}

/** Dialogs shows the form of the dialog asked for. */
export function Dialogs({ chat, kind, communityID, onClose, onCommunity, onChannel }: Props) {
  switch (kind) {
    case "community":
      return (
        <Ask
          title="Create a community"
          field="Community name"
          submit="Create"
          note="You become its owner; its #general channel comes with it."
          onClose={onClose}
          run={async (name) => {
            onCommunity(await chat.createCommunity(name));
          }}
        />
      );
    case "join":
      return (
        <Ask
          title="Join a community"
          field="Community ID"
          submit="Join"
          note="Ask a member for the ID (it shows on the community's name)."
          onClose={onClose}
          run={async (id) => {
            await chat.joinCommunity(id);
            onCommunity(id);
          }}
        />
      );
    case "channel":
      return (
        <Ask
          title="Create a channel"
          field="Channel name"
          submit="Create"
          note="Every member of the community is in a public channel."
          onClose={onClose}
          run={async (name) => {
            if (!communityID) return;
            onChannel(communityID, await chat.createChannel(communityID, name));
          }}
        />
      );
    case "invite":
      return (
        <Ask
          title="Invite people"
          field="User IDs"
          submit="Invite"
          note="Separate IDs with commas or spaces. Invited users are members at once."
          onClose={onClose}
          run={async (text) => {
            if (!communityID) return;
            const ids = text.split(/[\s,]+/).filter(Boolean);
            const failed = await chat.invite(communityID, ids);
            if (failed.length > 0) throw new Error(`Could not invite ${failed.join(", ")}: a user exists once they have signed in.`);
          }}
        />
      );
    case "profile":
      return (
        <Ask
          title="Your display name"
          field="Display name"
          submit="Save"
          initial={chat.users.get(chat.me)?.userName ?? ""}
          note="Others see it beside your messages and in member lists."
          onClose={onClose}
          run={(name) => chat.setName(name)}
        />
      );
  }
  return null;
}

/** Ask is a dialog of one field. */
function Ask(props: { title: string; field: string; submit: string; note: string; initial?: string; onClose: () => void; run: (value: string) => Promise<void> }) {
  const [value, setValue] = useState(props.initial ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!value.trim()) return;
          setBusy(true);
          setError("");
          try {
            await props.run(value.trim());
            props.onClose();
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          {props.field}
          <input value={value} onInput={(e) => setValue(e.currentTarget.value)} autoFocus required />
        </label>
        <p class="hint">{props.note}</p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <div class="row end">
          <button type="button" class="secondary" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy || !value.trim()}>
            {props.submit}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  const id = "dialog-" + title.toLowerCase().replace(/\W+/g, "-");
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>("input, textarea, button")?.focus();
    return () => before?.focus();
  }, []);
  return (
    <div
      class="overlay"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div ref={ref} class="dialog" role="dialog" aria-modal="true" aria-labelledby={id}>
        <h2 id={id}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
