import type { Member } from "@plazahq/sdk";
import type { Chat } from "../model/chat.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";

const groups: { role: number; title: string }[] = [
  { role: 1, title: "Owner" },
  { role: 2, title: "Admins" },
  { role: 3, title: "Members" },
];

/** MemberList shows a community's members by role; the owner makes members admins and back. */
export function MemberList({ chat, communityID, onClose }: { chat: Chat; communityID: string; onClose: () => void }) {
  const members = chat.members.get(communityID);
  const owner = chat.role(communityID) === 1;
  const all = [...(members?.values() ?? [])].sort((a, b) => chat.name(a.userID).localeCompare(chat.name(b.userID)));
  return (
    <aside class="panel members" aria-label="Members">
      <header class="panel-head">
        <h2>Members{members ? ` — ${members.size}` : ""}</h2>
        <button type="button" class="icon" aria-label="Close members" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {!members && (
        <p class="muted" role="status">
          Loading members…
        </p>
      )}
      <div class="member-groups">
        {groups.map((g) => {
          const list = all.filter((m) => m.memberRole === g.role);
          if (list.length === 0) return null;
          return (
            <section key={g.role}>
              <h3>
                {g.title} — {list.length}
              </h3>
              <ul aria-label={g.title}>
                {list.map((m) => (
                  <MemberRow key={m.userID} chat={chat} m={m} manage={owner && m.userID !== chat.me && m.memberRole !== 1} communityID={communityID} />
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </aside>
  );
}

function MemberRow({ chat, m, manage, communityID }: { chat: Chat; m: Member; manage: boolean; communityID: string }) {
  const name = chat.name(m.userID);
  const muted = m.muteExpiredTime !== 0;
  return (
    <li class="member" aria-label={name + (m.userID === chat.me ? " (you)" : "")}>
      <Avatar id={m.userID} name={name} url={m.userAvatarUrl} size={32} />
      <span class="member-name">
        {name}
        {name !== m.userID && <span class="muted"> {m.userID}</span>}
        {muted && <span class="muted"> · muted</span>}
      </span>
      {manage && (
        <button type="button" class="small secondary" onClick={() => void chat.setRole(communityID, m.userID, m.memberRole === 2 ? 3 : 2).catch(() => {})}>
          {m.memberRole === 2 ? "Remove admin" : "Make admin"}
        </button>
      )}
    </li>
  );
}
