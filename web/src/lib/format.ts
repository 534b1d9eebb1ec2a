// How times, names and counts read on screen.

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

/** clock formats a Unix ms time as the time of day. */
export function clock(ms: number): string {
  return time.format(ms);
}

/** dayOf formats a Unix ms time as its day, for the divider between days. */
export function dayOf(ms: number): string {
  return day.format(ms);
}

/** fullTime formats a Unix ms time in full, for a tooltip. */
export function fullTime(ms: number): string {
  return full.format(ms);
}

/** sameDay reports whether two Unix ms times fall on the same local day. */
export function sameDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/** badge formats an unread count for a badge: 1–99, then 99+. */
export function badge(n: number): string {
  return n > 99 ? "99+" : String(n);
}

/** plural returns "1 reply", "2 replies". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** initials returns one or two letters for an avatar. */
export function initials(name: string): string {
  const words = name.replace(/^[#@]/, "").split(/[\s_\-.]+/).filter(Boolean);
  if (words.length === 0) return "?";
  if (words.length === 1) return words[0]!.slice(0, 2).toUpperCase();
  return (words[0]![0]! + words[1]![0]!).toUpperCase();
}

/** hue returns a stable colour hue (0–359) for an ID, for avatars. */
export function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}
