import { useEffect, useState } from "preact/hooks";
import type { Chat } from "../model/chat.js";
import { describe, key } from "../model/chat.js";
import { Composer } from "./Composer.js";
import { useConversation } from "./ChannelView.js";
import { Icon } from "./Icon.js";
import { MessageList } from "./MessageList.js";
import { textOf } from "./MessageRow.js";

interface Props {
  chat: Chat;
  communityID: string;
  threadID: string;
  onClose: () => void;
}

/** ThreadPanel shows a thread beside its channel: the message it was opened from, its replies and a composer. */
export function ThreadPanel({ chat, communityID, threadID, onClose }: Props) {
  const k = key(communityID, threadID);
  const [loaded, setLoaded] = useState(chat.threads.has(k));
  const [error, setError] = useState("");
  useEffect(() => {
    chat
      .loadThread(communityID, threadID)
      .then(() => setLoaded(true))
      .catch((e) => setError(describe(e)));
  }, [chat, communityID, threadID]);
  const t = chat.threads.get(k);
  // Dismissed while open: the panel closes.
  useEffect(() => {
    if (loaded && !t) onClose();
  }, [loaded, t]);

  const tl = chat.timeline(communityID, threadID);
  const { actions, replyTo, setReplyTo, editing, editLast } = useConversation(chat, tl, true, () => {});
  const following = chat.convs.has(k);
  const name = t?.threadName ?? "Thread";
  const parent = t ? (chat.convs.get(key(communityID, t.parentChannelID))?.name ?? t.parentChannelID) : "";
  const root = t && t.rootMessageSeq > 0 ? chat.timelines.get(key(communityID, t.parentChannelID))?.find(t.rootMessageSeq) : undefined;

  return (
    <aside class="panel thread-panel" aria-label={"Thread " + name}>
      <header class="panel-head">
        <div>
          <h2>
            <Icon name="thread" size={20} /> {name}
          </h2>
          {parent && <p class="muted">in # {parent}{t?.isArchived ? " · archived" : ""}</p>}
        </div>
        {t && (
          <button type="button" class="small secondary" aria-pressed={following} onClick={() => void chat.follow(t, !following).catch(() => {})}>
            {following ? "Following" : "Follow"}
          </button>
        )}
        <button type="button" class="icon" aria-label="Close thread" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {root && (
        <div class="thread-root">
          <strong>{chat.name(root.senderUserID)}</strong> <span>{textOf(root)}</span>
        </div>
      )}
      <MessageList
        tl={tl}
        label={"Messages in thread " + name}
        beginning="This is the beginning of the thread."
        actions={actions}
        editing={editing}
        loadOlder={() => void chat.loadOlder(tl)}
        onRead={() => chat.markRead(communityID, threadID)}
      />
      <Composer
        chat={chat}
        communityID={communityID}
        channelID={threadID}
        label={"Reply in thread " + name}
        placeholder="Reply in the thread"
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(undefined)}
        onEditLast={editLast}
      />
    </aside>
  );
}
