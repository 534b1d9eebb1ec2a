import { useMemo, useRef, useState } from "preact/hooks";
import type { Message } from "@plazahq/sdk";
import type { Chat } from "../model/chat.js";
import { key } from "../model/chat.js";
import type { Conv } from "../model/conversation.js";
import type { Timeline } from "../model/timeline.js";
import { Composer } from "./Composer.js";
import { Icon } from "./Icon.js";
import { MessageList } from "./MessageList.js";
import type { RowActions } from "./MessageRow.js";

interface Props {
  chat: Chat;
  conv: Conv;
  membersOpen: boolean;
  onToggleMembers: () => void;
  onThread: (threadID: string) => void;
}

/** ChannelView is one channel: its header, its messages and the composer. */
export function ChannelView({ chat, conv, membersOpen, onToggleMembers, onThread }: Props) {
  const tl = chat.timeline(conv.communityID, conv.channelID);
  const { actions, replyTo, setReplyTo, editing, editLast } = useConversation(chat, tl, false, onThread);
  const name = "# " + conv.name;
  return (
    <section class="channel" aria-label={name}>
      <header class="channel-head">
        <h2>
          <Icon name={conv.channelType === 2 ? "lock" : "hash"} size={20} /> {conv.name}
        </h2>
        <button type="button" class="small secondary" aria-pressed={membersOpen} onClick={onToggleMembers}>
          <Icon name="members" size={16} /> Members
        </button>
      </header>
      <MessageList
        tl={tl}
        label={`Messages in ${name}`}
        beginning={`This is the beginning of ${name}.`}
        actions={actions}
        editing={editing}
        loadOlder={() => void chat.loadOlder(tl)}
        onRead={() => chat.markRead(conv.communityID, conv.channelID)}
      />
      <Composer
        chat={chat}
        communityID={conv.communityID}
        channelID={conv.channelID}
        label={`Message ${name}`}
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(undefined)}
        onEditLast={editLast}
      />
    </section>
  );
}

/**
 * useConversation holds what a conversation's view does with its messages:
 * the row actions (one object for the view's life, so that rows re-render
 * only when their message changes), the message being answered and the one
 * being edited.
 */
export function useConversation(chat: Chat, tl: Timeline, inThread: boolean, onThread: (threadID: string) => void) {
  const [replyTo, setReplyTo] = useState<Message>();
  const [editing, setEditing] = useState(0);
  const latest = useRef({ onThread });
  latest.current = { onThread };
  const communityID = tl.communityID;
  const actions = useMemo<RowActions>(
    () => ({
      me: chat.me,
      name: (id) => chat.name(id),
      channelName: (id) => chat.convs.get(key(communityID, id))?.name ?? id,
      moderator: (sender) => {
        const role = chat.role(communityID);
        if (role === 1) return true;
        if (role !== 2) return false;
        const theirs = chat.members.get(communityID)?.get(sender)?.memberRole ?? 3;
        return theirs === 3;
      },
      inThread,
      reply: (m) => setReplyTo(m),
      thread: (m) => {
        chat
          .openThread(m)
          .then((t) => latest.current.onThread(t.channelID))
          .catch(() => {});
      },
      react: (m, r) => void chat.react(m, r).catch(() => {}),
      edit: (m, text) => {
        setEditing(0);
        void chat.edit(m, text).catch(() => {});
      },
      revoke: (m) => void chat.revoke(m).catch(() => {}),
      setEditing,
      retry: (o) => chat.retry(o),
      discard: (o) => chat.discard(o),
    }),
    [chat, communityID, inThread],
  );
  const editLast = () => {
    for (let i = tl.messages.length - 1; i >= 0; i--) {
      const m = tl.messages[i]!;
      if (m.senderUserID === chat.me && m.type === 1) {
        setEditing(m.messageSeq);
        return;
      }
    }
  };
  return { actions, replyTo, setReplyTo, editing, editLast };
}
