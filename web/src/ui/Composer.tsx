import { useEffect, useRef, useState } from "preact/hooks";
import type { Member, Message } from "@plazahq/sdk";
import type { Chat } from "../model/chat.js";
import { insertMention, mentionAt, mentionsIn, MentionAll, type Typing } from "../lib/text.js";
import { Icon } from "./Icon.js";
import { textOf } from "./MessageRow.js";

interface Props {
  chat: Chat;
  communityID: string;
  channelID: string;
  /** The text box's label: "Message # general". */
  label: string;
  /** What the empty box says, when shorter than the label. */
  placeholder?: string;
  replyTo: Message | undefined;
  onCancelReply: () => void;
  /** ArrowUp in an empty box edits the person's last message. */
  onEditLast: () => void;
}

// Drafts survive switching conversations, for the tab's life.
const drafts = new Map<string, string>();

/**
 * Composer writes and sends a message: Enter sends, Shift+Enter starts a
 * new line, @ suggests the community's members, and a reply shows what it
 * answers.
 */
export function Composer({ chat, communityID, channelID, label, placeholder, replyTo, onCancelReply, onEditLast }: Props) {
  const draftKey = communityID + "\u0000" + channelID;
  const [text, setText] = useState(() => drafts.get(draftKey) ?? "");
  const [typing, setTyping] = useState<Typing>();
  const [pick, setPick] = useState(0);
  const ref = useRef<HTMLTextAreaElement>(null);
  const members = chat.members.get(communityID);
  const moderator = chat.role(communityID) === 1 || chat.role(communityID) === 2;

  useEffect(() => {
    drafts.set(draftKey, text);
  }, [draftKey, text]);
  useEffect(() => {
    if (replyTo) ref.current?.focus();
  }, [replyTo]);

  const suggestions = typing ? suggest(members, typing.query, moderator) : [];

  const send = () => {
    const body = text.trim();
    if (!body) return;
    const m = mentionsIn(body, (id) => members?.has(id) ?? false);
    const content: Parameters<Chat["send"]>[2] = { type: 1, message: body };
    if (m.userIDs.length > 0) content.mentionedUserIDs = m.userIDs;
    if (m.all && moderator) content.isMentionAll = true;
    chat.send(communityID, channelID, content, replyTo);
    setText("");
    setTyping(undefined);
    onCancelReply();
  };

  const choose = (userID: string) => {
    const el = ref.current;
    if (!el || !typing) return;
    const r = insertMention(text, typing, userID, el.selectionStart);
    setText(r.text);
    setTyping(undefined);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(r.caret, r.caret);
    });
  };

  return (
    <form
      class="composer"
      aria-label="Send a message"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {replyTo && (
        <div class="replying" role="status">
          Replying to <strong>{chat.name(replyTo.senderUserID)}</strong>: <span class="muted">{textOf(replyTo)}</span>
          <button type="button" class="icon" aria-label="Cancel reply" onClick={onCancelReply}>
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
      {suggestions.length > 0 && (
        <ul class="suggestions" role="listbox" aria-label="Mention suggestions">
          {suggestions.map((s, i) => (
            <li
              key={s.id}
              role="option"
              aria-selected={i === pick}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(s.id);
              }}
            >
              <strong>@{s.id}</strong> {s.name !== s.id && <span class="muted">{s.name}</span>}
            </li>
          ))}
        </ul>
      )}
      <div class="composer-box">
        <textarea
          ref={ref}
          aria-label={label}
          placeholder={placeholder ?? label}
          value={text}
          rows={Math.min(8, Math.max(1, text.split("\n").length))}
          aria-autocomplete="list"
          aria-expanded={suggestions.length > 0}
          onInput={(e) => {
            const el = e.currentTarget;
            setText(el.value);
            setTyping(mentionAt(el.value, el.selectionStart));
            setPick(0);
          }}
          onKeyDown={(e) => {
            if (suggestions.length > 0) {
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                setPick((p) => (p + (e.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
                return;
              }
              if (e.key === "Enter" || e.key === "Tab") {
                e.preventDefault();
                choose(suggestions[pick]!.id);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                setTyping(undefined);
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            } else if (e.key === "ArrowUp" && text === "") {
              e.preventDefault();
              onEditLast();
            } else if (e.key === "Escape" && replyTo) {
              e.preventDefault();
              onCancelReply();
            }
          }}
        />
        <button type="submit" disabled={!text.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}

// suggest lists up to eight members whose ID or name starts with what is typed.
function suggest(members: Map<string, Member> | undefined, query: string, moderator: boolean): { id: string; name: string }[] {
  const q = query.toLowerCase();
  const out: { id: string; name: string }[] = [];
  if (moderator && MentionAll.startsWith(q)) out.push({ id: MentionAll, name: "everyone in the channel" });
  for (const m of members?.values() ?? []) {
    if (out.length >= 8) break;
    if (m.userID.toLowerCase().startsWith(q) || m.userName.toLowerCase().startsWith(q)) out.push({ id: m.userID, name: m.userName || m.userID });
  }
  return out;
}
