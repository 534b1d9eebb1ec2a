import type { Chat } from "../model/chat.js";
import { mentions, unread } from "../model/conversation.js";
import { pathOf } from "../lib/route.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";
import { Badge, label } from "./Badge.js";
import type { DialogKind } from "./Dialogs.js";

/** totals sums the unread messages and mentions of a community's channels and followed threads. */
export function totals(chat: Chat, communityID: string): { unread: number; mentions: number } {
  let u = 0;
  let m = 0;
  for (const c of chat.convs.values()) {
    if (c.communityID !== communityID) continue;
    u += unread(c);
    m += mentions(c);
  }
  return { unread: u, mentions: m };
}

/** Rail lists the person's communities, each with its unread badge. */
export function Rail({ chat, current, onOpen, onDialog }: { chat: Chat; current: string | undefined; onOpen: (id: string) => void; onDialog: (d: DialogKind) => void }) {
  return (
    <nav class="rail" aria-label="Communities">
      <ul>
        {[...chat.communities.values()].map((c) => {
          const t = totals(chat, c.communityID);
          const name = c.communityName || c.communityID;
          return (
            <li key={c.communityID} class={c.communityID === current ? "current" : t.unread > 0 ? "unread" : ""}>
              <a
                href={pathOf({ communityID: c.communityID })}
                aria-label={label(name, t.unread, t.mentions)}
                aria-current={c.communityID === current ? "page" : undefined}
                title={name}
                onClick={(e) => {
                  e.preventDefault();
                  onOpen(c.communityID);
                }}
              >
                <Avatar id={c.communityID} name={name} url={c.communityAvatarUrl} size={48} />
                <Badge unread={t.unread} mentions={t.mentions} />
              </a>
            </li>
          );
        })}
      </ul>
      <button type="button" class="rail-add" aria-label="Create a community" title="Create a community" onClick={() => onDialog("community")}>
        <Icon name="plus" size={22} />
      </button>
      <button type="button" class="rail-add" aria-label="Join a community" title="Join a community" onClick={() => onDialog("join")}>
        <Icon name="join" size={20} />
      </button>
    </nav>
  );
}
