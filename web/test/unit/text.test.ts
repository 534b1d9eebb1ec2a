import { describe, expect, it } from "vitest";
import { insertMention, mentionAt, mentionsIn, pieces } from "../../src/lib/text.js";

const members = new Set(["bob", "user1", "ann-marie"]);
const known = (id: string) => members.has(id);

describe("mentionsIn", () => {
  it.each([
    ["@bob hi", ["bob"], false],
    ["hi @bob, and @user1.", ["bob", "user1"], false],
    ["@bob @bob", ["bob"], false],
    ["mail bob@example.com", [], false],
    ["@nobody here", [], false],
    ["(@ann-marie)", ["ann-marie"], false],
    ["@everyone look", [], true],
  ])("%s", (text, ids, all) => {
    expect(mentionsIn(text, known)).toEqual({ userIDs: ids, all });
  });
});

describe("pieces", () => {
  it("splits text, mentions and links", () => {
    expect(pieces("hi @bob see https://x.example/a?b=1.", ["bob"], false)).toEqual([
      { kind: "text", text: "hi " },
      { kind: "mention", userID: "bob", text: "@bob" },
      { kind: "text", text: " see " },
      { kind: "link", href: "https://x.example/a?b=1", text: "https://x.example/a?b=1" },
      { kind: "text", text: "." },
    ]);
  });
  it("leaves names the message does not mention as text", () => {
    expect(pieces("@bob and @carol", ["carol"], false)).toEqual([
      { kind: "text", text: "@bob and " },
      { kind: "mention", userID: "carol", text: "@carol" },
    ]);
    expect(pieces("@everyone", [], false)).toEqual([{ kind: "text", text: "@everyone" }]);
    expect(pieces("@everyone", [], true)).toEqual([{ kind: "mention", userID: "everyone", text: "@everyone" }]);
  });
});

describe("mention being typed", () => {
  it("is found before the caret and replaced", () => {
    expect(mentionAt("hi @bo", 6)).toEqual({ start: 3, query: "bo" });
    expect(mentionAt("hi @", 4)).toEqual({ start: 3, query: "" });
    expect(mentionAt("mail a@b", 8)).toBeUndefined();
    expect(mentionAt("@bob done", 9)).toBeUndefined();
    const t = mentionAt("hi @bo there", 6)!;
    expect(insertMention("hi @bo there", t, "bob", 6)).toEqual({ text: "hi @bob there", caret: 8 });
  });
});
