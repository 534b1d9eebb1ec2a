// Message text: the mentions a person typed (@userID), the pieces a message
// is drawn from (text, mentions, links), and the mention being typed at the
// caret, for the composer's suggestions. Pure, tested without a browser.

/** MentionAll is what a person types to mention everyone (owner and admins only). */
export const MentionAll = "everyone";

// A mention is @ and a user ID: IDs are letters, digits and
// !#$%&()+-:;<=.>?@[]^_{}|~ (SPEC §4), but a mention stops at punctuation
// that ends a sentence, so that "@bob, hi" mentions bob.
const mentionRe = /(^|[\s(])@([A-Za-z0-9_\-.#$%&+=|~]+[A-Za-z0-9_\-#$%&+=|~]|[A-Za-z0-9_\-#$%&+=|~])/g;
const linkRe = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Mentions are the users a text mentions, among the IDs it may mention. */
export interface Mentions {
  userIDs: string[];
  all: boolean;
}

/**
 * mentionsIn returns the users a text mentions: every @ID that is one of
 * known (the community's members), each once, in order, and whether it
 * mentions everyone (@everyone). Unknown names are left as text.
 */
export function mentionsIn(text: string, known: (userID: string) => boolean): Mentions {
  const out: string[] = [];
  let all = false;
  for (const m of text.matchAll(mentionRe)) {
    const id = m[2]!;
    if (id === MentionAll) all = true;
    else if (known(id) && !out.includes(id)) out.push(id);
  }
  return { userIDs: out.slice(0, 50), all };
}

/** Piece is a part of a message's text as drawn. */
export type Piece = { kind: "text"; text: string } | { kind: "mention"; userID: string; text: string } | { kind: "link"; href: string; text: string };

/**
 * pieces splits a message's text into plain text, the mentions it carries
 * (only IDs in mentioned, or @everyone when it mentions all) and links.
 */
export function pieces(text: string, mentioned: readonly string[], all: boolean): Piece[] {
  type Hit = { start: number; end: number; piece: Piece };
  const hits: Hit[] = [];
  for (const m of text.matchAll(mentionRe)) {
    const id = m[2]!;
    if (id === MentionAll ? !all : !mentioned.includes(id)) continue;
    const start = m.index! + m[1]!.length;
    hits.push({ start, end: start + 1 + id.length, piece: { kind: "mention", userID: id, text: "@" + id } });
  }
  for (const m of text.matchAll(linkRe)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (hits.some((h) => start < h.end && h.start < end)) continue;
    hits.push({ start, end, piece: { kind: "link", href: m[0], text: m[0] } });
  }
  hits.sort((a, b) => a.start - b.start);
  const out: Piece[] = [];
  let at = 0;
  for (const h of hits) {
    if (h.start > at) out.push({ kind: "text", text: text.slice(at, h.start) });
    out.push(h.piece);
    at = h.end;
  }
  if (at < text.length) out.push({ kind: "text", text: text.slice(at) });
  return out;
}

/** Typing is the mention being typed at the caret: "@bo|" → {start of "@", query "bo"}. */
export interface Typing {
  start: number;
  query: string;
}

/** mentionAt returns the mention being typed just before the caret, if any. */
export function mentionAt(text: string, caret: number): Typing | undefined {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([^\s@]*)$/.exec(before);
  if (!m) return undefined;
  return { start: caret - m[2]!.length - 1, query: m[2]! };
}

/** insertMention replaces the mention being typed with a complete one and a space; it returns the text and the new caret. */
export function insertMention(text: string, typing: Typing, userID: string, caret: number): { text: string; caret: number } {
  const ins = "@" + userID + " ";
  const next = text.slice(0, typing.start) + ins + text.slice(caret).replace(/^ /, "");
  return { text: next, caret: typing.start + ins.length };
}
