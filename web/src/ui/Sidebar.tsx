import type { Chat } from "../model/chat.js";
import { mentions, unread, type Conv } from "../model/conversation.js";
import { pathOf } from "../lib/route.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";
import { Badge, label } from "./Badge.js";
import type { DialogKind } from "./Dialogs.js";

interface Props {
  chat: Chat;
  communityID: string | undefined;
  channels: Conv[];
  channelID: string | undefined;
  threadID: string | undefined;
  onChannel: (id: string) => void;
  onThread: (id: string) => void;
  onDialog: (d: DialogKind) => void;
  onSignOut: () => void;
}

/** Sidebar lists a community's channels and the threads the person follows in it, with their badges. */
export function Sidebar({ chat, communityID, channels, channelID, threadID, onChannel, onThread, onDialog, onSignOut }: Props) {
  const community = communityID ? chat.communities.get(communityID) : undefined;
  const threads = [...chat.convs.values()].filter((c) => c.communityID === communityID && c.channelType === 3).sort((a, b) => b.activeAt - a.activeAt);
  const manager = communityID ? chat.role(communityID) <= 2 && chat.role(communityID) > 0 : false;
  return (
    <aside class="sidebar" aria-label="Community">
      {community && (
        <header class="sidebar-head">
          <h2 title={community.communityID}>{community.communityName || community.communityID}</h2>
          <p class="community-id">
            ID <code>{community.communityID}</code>
          </p>
          <div class="row">
            <button type="button" class="small" onClick={() => onDialog("invite")}>
              Invite people
            </button>
            {manager && (
              <button type="button" class="small secondary" onClick={() => onDialog("channel")}>
                Create channel
              </button>
            )}
          </div>
        </header>
      )}
      <nav aria-label="Channels" class="channels">
        <ul>
          {channels.map((c) => (
            <li key={c.channelID}>
              <ConvLink conv={c} current={c.channelID === channelID} onOpen={() => onChannel(c.channelID)} />
              <ul class="threads">
                {threads
                  .filter((t) => t.parentChannelID === c.channelID)
                  .map((t) => (
                    <li key={t.channelID}>
                      <ConvLink conv={t} current={t.channelID === threadID} onOpen={() => onThread(t.channelID)} />
                    </li>
                  ))}
              </ul>
            </li>
          ))}
        </ul>
      </nav>
      <footer class="me">
        <Avatar id={chat.me} name={chat.name(chat.me)} size={32} />
        <div class="me-name">
          <strong>{chat.name(chat.me)}</strong>
          <span class={"conn " + chat.state}>{chat.state === "connected" ? "Online" : chat.state === "closed" ? "Offline" : "Reconnecting…"}</span>
        </div>
        <button type="button" class="icon" aria-label="Set your display name" title="Set your display name" onClick={() => onDialog("profile")}>
          <Icon name="edit" />
        </button>
        <button type="button" class="icon" aria-label="Sign out" title="Sign out" onClick={onSignOut}>
          <Icon name="signOut" />
        </button>
      </footer>
    </aside>
  );
}

function ConvLink({ conv, current, onOpen }: { conv: Conv; current: boolean; onOpen: () => void }) {
  const u = unread(conv);
  const m = mentions(conv);
  const thread = conv.channelType === 3;
  return (
    <a
      href={pathOf({ communityID: conv.communityID, channelID: thread ? conv.parentChannelID : conv.channelID })}
      class={"conv" + (thread ? " thread" : "") + (u > 0 ? " unread" : "") + (current ? " current" : "")}
      aria-label={label(thread ? "Thread " + conv.name : "# " + conv.name, u, m)}
      aria-current={current ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        onOpen();
      }}
    >
      <span class="conv-icon" aria-hidden="true">
        <Icon name={thread ? "thread" : conv.channelType === 2 ? "lock" : "hash"} size={16} />
      </span>
      <span class="conv-name">{conv.name}</span>
      <Badge unread={u} mentions={m} />
    </a>
  );
}
