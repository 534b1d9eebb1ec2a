import { memo } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message, MessageContent } from "@plazahq/sdk";
import type { Outgoing } from "../model/timeline.js";
import { clock, dayOf, fullTime, plural } from "../lib/format.js";
import { pieces } from "../lib/text.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";

/** QuickReactions are the reactions offered in one click. */
export const QuickReactions = ["👍", "❤️", "😂", "🎉", "😮", "👀"];

/** RowActions are what a message's buttons do; one object per list, so that rows re-render only when their message changes. */
export interface RowActions {
  me: string;
  name: (userID: string) => string;
  channelName: (channelID: string) => string;
  /** Whether the person may revoke others' messages here (owner, admin). */
  moderator: (senderUserID: string) => boolean;
  inThread: boolean;
  reply: (m: Message) => void;
  thread: (m: Message) => void;
  react: (m: Message, reaction: string) => void;
  edit: (m: Message, text: string) => void;
  revoke: (m: Message) => void;
  setEditing: (seq: number) => void;
  retry: (o: Outgoing) => void;
  discard: (o: Outgoing) => void;
}

/** RowProps draw one message: grouped under the previous one when the same person sent it shortly before. */
export interface RowProps {
  m: Message;
  grouped: boolean;
  dayBreak: boolean;
  senderName: string;
  /** What a tips message (type 32) says, in names the reader knows. */
  tips?: string | undefined;
  replyTo: { name: string; text: string } | undefined;
  editing: boolean;
  actions: RowActions;
}

// A row re-renders when its message, its place or its sender's name change.
export const MessageRow = memo(
  Row,
  (a, b) =>
    a.m === b.m &&
    a.grouped === b.grouped &&
    a.dayBreak === b.dayBreak &&
    a.senderName === b.senderName &&
    a.tips === b.tips &&
    a.editing === b.editing &&
    a.replyTo?.text === b.replyTo?.text &&
    a.replyTo?.name === b.replyTo?.name &&
    a.actions === b.actions,
);

function Row({ m, grouped, dayBreak, senderName, tips, replyTo, editing, actions }: RowProps) {
  const [picker, setPicker] = useState(false);
  const [confirm, setConfirm] = useState(false);
  if (m.type === 32) return <Tips m={m} dayBreak={dayBreak} text={tips ?? tipsText(m, actions)} />;
  const revoked = m.type === 31;
  const mine = m.senderUserID === actions.me;
  const mentionsMe = !mine && (m.isMentionAll === true || (m.mentionedUserIDs?.includes(actions.me) ?? false));
  const editable = mine && !revoked && (m.type === 1 || m.type === 200);
  const revocable = !revoked && (mine || actions.moderator(m.senderUserID));
  const threadable = !actions.inThread && !revoked;
  const preview = textOf(m);
  return (
    <article class={"msg" + (grouped ? " grouped" : "") + (mentionsMe ? " mentions-me" : "")} aria-label={`${senderName}, ${clock(m.timestamp)}: ${preview}`} data-seq={m.messageSeq}>
      {dayBreak && <Day ms={m.timestamp} />}
      {replyTo && (
        <div class="reply-preview">
          <span aria-hidden="true">↱</span> <strong>{replyTo.name}</strong> <span class="muted">{replyTo.text}</span>
        </div>
      )}
      <div class="msg-main">
        <div class="gutter">
          {grouped && !replyTo ? (
            <time class="gutter-time" dateTime={new Date(m.timestamp).toISOString()} title={fullTime(m.timestamp)}>
              {clock(m.timestamp)}
            </time>
          ) : (
            <Avatar id={m.senderUserID} name={senderName} size={40} />
          )}
        </div>
        <div class="msg-body">
          {(!grouped || replyTo) && (
            <header>
              <strong class="sender">{senderName}</strong>{" "}
              <time dateTime={new Date(m.timestamp).toISOString()} title={fullTime(m.timestamp)}>
                {clock(m.timestamp)}
              </time>
            </header>
          )}
          {editing ? (
            <EditBox m={m} onSave={(t) => actions.edit(m, t)} onCancel={() => actions.setEditing(0)} />
          ) : revoked ? (
            <p class="msg-text revoked">This message was revoked.</p>
          ) : (
            <Content m={m} edited={m.editedTime} />
          )}
          {m.reactions.length > 0 && !revoked && (
            <div class="reactions">
              {m.reactions.map((r) => (
                <button
                  key={r.reactionType}
                  type="button"
                  class="reaction"
                  aria-pressed={r.isSelfIncluded}
                  aria-label={`${r.reactionType} ${r.totalCount}`}
                  title={r.userList.map((u) => u.userName || u.userID).join(", ") + (r.totalCount > r.userList.length ? ` and ${r.totalCount - r.userList.length} more` : "")}
                  onClick={() => actions.react(m, r.reactionType)}
                >
                  {r.reactionType} {r.totalCount}
                </button>
              ))}
            </div>
          )}
          {m.threadInfo && !actions.inThread && (
            <button type="button" class="thread-summary" onClick={() => actions.thread(m)}>
              <Icon name="thread" size={16} /> {m.threadInfo.threadName} · {plural(m.threadInfo.messageCount, "reply", "replies")}
              {m.threadInfo.isArchived ? " · archived" : ""}
            </button>
          )}
        </div>
      </div>
      {!revoked && !editing && (
        <div class={"msg-actions" + (picker || confirm ? " open" : "")} role="toolbar" aria-label="Message actions">
          {confirm ? (
            <>
              <span>Revoke for everyone?</span>
              <button
                type="button"
                class="small danger"
                onClick={() => {
                  setConfirm(false);
                  actions.revoke(m);
                }}
              >
                Revoke
              </button>
              <button type="button" class="small secondary" onClick={() => setConfirm(false)}>
                Cancel
              </button>
            </>
          ) : (
            <>
              <button type="button" class="icon" aria-label="Add reaction" aria-expanded={picker} title="Add reaction" onClick={() => setPicker(!picker)}>
                <Icon name="smile" />
              </button>
              {picker && (
                <span class="picker">
                  {QuickReactions.map((r) => (
                    <button
                      key={r}
                      type="button"
                      class="icon"
                      aria-label={`React with ${r}`}
                      onClick={() => {
                        setPicker(false);
                        actions.react(m, r);
                      }}
                    >
                      {r}
                    </button>
                  ))}
                </span>
              )}
              <button type="button" class="icon" aria-label="Reply" title="Reply" onClick={() => actions.reply(m)}>
                <Icon name="reply" />
              </button>
              {threadable && (
                <button type="button" class="icon" aria-label={m.threadInfo ? "Open thread" : "Create thread"} title={m.threadInfo ? "Open thread" : "Create thread"} onClick={() => actions.thread(m)}>
                  <Icon name="thread" />
                </button>
              )}
              {editable && (
                <button type="button" class="icon" aria-label="Edit" title="Edit" onClick={() => actions.setEditing(m.messageSeq)}>
                  <Icon name="edit" />
                </button>
              )}
              {revocable && (
                <button type="button" class="icon" aria-label="Revoke" title="Revoke" onClick={() => setConfirm(true)}>
                  <Icon name="trash" />
                </button>
              )}
            </>
          )}
        </div>
      )}
    </article>
  );
}

/** PendingRow draws a message on its way out, or refused. */
export function PendingRow({ o, senderName, actions }: { o: Outgoing; senderName: string; actions: RowActions }) {
  return (
    <article class={"msg pending" + (o.state === "failed" ? " failed" : "")} aria-label={`${senderName}, ${o.state === "failed" ? "not sent" : "sending"}: ${o.content.message ?? ""}`}>
      {o.replyTo && (
        <div class="reply-preview">
          <span aria-hidden="true">↱</span> <strong>{actions.name(o.replyTo.senderUserID)}</strong> <span class="muted">{textOf(o.replyTo)}</span>
        </div>
      )}
      <div class="msg-main">
        <div class="gutter">
          <Avatar id={actions.me} name={senderName} size={40} />
        </div>
        <div class="msg-body">
          <header>
            <strong class="sender">{senderName}</strong> <span class="muted">{o.state === "failed" ? "Not sent" : "Sending…"}</span>
          </header>
          <p class="msg-text">{o.content.message}</p>
          {o.state === "failed" && (
            <p class="error">
              {o.error}{" "}
              <button type="button" class="small" onClick={() => actions.retry(o)}>
                Retry
              </button>{" "}
              <button type="button" class="small secondary" onClick={() => actions.discard(o)}>
                Discard
              </button>
            </p>
          )}
        </div>
      </div>
    </article>
  );
}

/** tipsText says what a tips message (type 32) reports, in the reader's names. */
export function tipsText(m: Message, actions: RowActions): string {
  const t = m.tipsInfo;
  const who = t ? actions.name(t.operatedUserID) : "";
  const targets = t ? t.targetUserIDs.map(actions.name).join(", ") : "";
  switch (t?.event) {
    case 101:
      return `${who} created the community.`;
    case 103:
      return `${targets} joined.`;
    case 104:
      return `${who} invited ${targets}.`;
    case 151:
      return `${who} added the channel #${actions.channelName(t.targetUserIDs[0] ?? "").replace(/^#/, "")}.`;
  }
  return "Something happened.";
}

function Tips({ m, dayBreak, text }: { m: Message; dayBreak: boolean; text: string }) {
  return (
    <article class="msg tips" aria-label={text}>
      {dayBreak && <Day ms={m.timestamp} />}
      <p>
        <span aria-hidden="true">→</span> {text} <time title={fullTime(m.timestamp)}>{clock(m.timestamp)}</time>
      </p>
    </article>
  );
}

function Day({ ms }: { ms: number }) {
  return (
    <div class="day" role="separator">
      <span>{dayOf(ms)}</span>
    </div>
  );
}

/** Content draws a message's text (with its mentions and links) or media. */
function Content({ m, edited }: { m: Message | MessageContent; edited?: number | undefined }) {
  switch (m.type) {
    case 1:
    case 200:
      return <Text text={m.message ?? ""} mentioned={m.mentionedUserIDs ?? []} all={m.isMentionAll === true} edited={edited} />;
    case 11:
      return (
        <a class="media" href={m.fileDownloadUrl} target="_blank" rel="noopener noreferrer">
          <img
            src={m.thumbnailDownloadUrl || m.fileDownloadUrl}
            alt={m.fileName || "image"}
            loading="lazy"
            width={m.imageWidth ? Math.min(m.imageWidth, 320) : undefined}
            height={m.imageWidth && m.imageHeight ? Math.round((m.imageHeight * Math.min(m.imageWidth, 320)) / m.imageWidth) : undefined}
          />
        </a>
      );
    case 12:
    case 13:
    case 14:
      return (
        <p class="msg-text">
          <a href={m.fileDownloadUrl} target="_blank" rel="noopener noreferrer">
            {m.fileName || m.fileDownloadUrl}
          </a>
          {m.fileSize ? <span class="muted"> ({Math.ceil(m.fileSize / 1024)} KB)</span> : null}
        </p>
      );
    case 10:
      return (
        <div>
          {(m.items ?? []).map((it, i) => (
            <Content key={i} m={it} />
          ))}
        </div>
      );
  }
  return <p class="msg-text muted">(a message of type {m.type})</p>;
}

function Text({ text, mentioned, all, edited }: { text: string; mentioned: readonly string[]; all: boolean; edited?: number | undefined }) {
  return (
    <p class="msg-text">
      {pieces(text, mentioned, all).map((p, i) =>
        p.kind === "mention" ? (
          <span key={i} class="mention">
            {p.text}
          </span>
        ) : p.kind === "link" ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
      {edited !== undefined && (
        <span class="edited" title={fullTime(edited)}>
          {" "}
          (edited)
        </span>
      )}
    </p>
  );
}

function EditBox({ m, onSave, onCancel }: { m: Message; onSave: (text: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(m.message ?? "");
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = () => {
    const t = text.trim();
    if (t && t !== m.message) onSave(t);
    else onCancel();
  };
  return (
    <div class="edit-box">
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={text}
        rows={Math.min(8, text.split("\n").length)}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            save();
          } else if (e.key === "Escape") {
            e.preventDefault();
            onCancel();
          }
        }}
      />
      <p class="hint">
        Enter to <button type="button" class="link" onClick={save}>save</button>, Escape to <button type="button" class="link" onClick={onCancel}>cancel</button>
      </p>
    </div>
  );
}

/** textOf is a message's text in one line, for previews. */
export function textOf(m: Message | MessageContent): string {
  switch (m.type) {
    case 1:
    case 200:
      return (m.message ?? "").replace(/\s+/g, " ").slice(0, 200);
    case 31:
      return "a revoked message";
    case 11:
      return "an image";
    case 12:
      return "a file";
    case 13:
      return "an audio message";
    case 14:
      return "a video";
    case 10:
      return (m.items ?? []).map(textOf).join(" ");
    case 32:
      return "an event";
  }
  return "a message";
}
