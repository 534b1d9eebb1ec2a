import { badge } from "../lib/format.js";

/** label describes unread and mention counts for a screen reader: "Hikers, 2 unread, 1 mention". */
export function label(name: string, unread: number, mentions: number): string {
  let s = name;
  if (unread > 0) s += `, ${unread} unread`;
  if (mentions > 0) s += `, ${mentions} ${mentions === 1 ? "mention" : "mentions"}`;
  return s;
}

/** Badge shows a count: red for mentions, quieter for unread messages. */
export function Badge({ unread, mentions }: { unread: number; mentions: number }) {
  if (mentions > 0)
    return (
      <span class="badge mention" aria-hidden="true">
        @{badge(mentions)}
      </span>
    );
  if (unread > 0)
    return (
      <span class="badge" aria-hidden="true">
        {badge(unread)}
      </span>
    );
  return null;
}
