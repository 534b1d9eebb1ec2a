// Two people chat in a real Chromium, each in a browser context of their
// own, through the web client that plaza serve serves at /: they sign in,
// one writes, the other sees it live with the right unread badge, opens a
// thread and answers; reactions, mentions, replies, edits and revokes travel
// both ways; the network drops in the middle and nothing is lost; the owner
// makes the other an admin. Screenshots of each view go to test-results/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page, WebSocketRoute } from "playwright-core";
import { api, launch, mintToken, person, shot, startServer, type Server } from "./harness.js";

let server: Server;
let browser: Browser;
let A: { context: BrowserContext; page: Page }; // user1, who creates
let B: { context: BrowserContext; page: Page }; // bob, who is invited

beforeAll(async () => {
  server = await startServer(["--dev-login"]);
  browser = await launch();
  A = await person(browser);
  B = await person(browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** seen waits until a locator shows (10 s at most). */
async function seen(l: Locator, timeout = 10_000): Promise<Locator> {
  await l.waitFor({ state: "visible", timeout });
  return l;
}

/** gone waits until a locator no longer shows. */
async function gone(l: Locator, timeout = 10_000): Promise<void> {
  await l.waitFor({ state: "hidden", timeout });
}

const log = (p: Page, name: string) => p.getByRole("log", { name });
const message = (p: Page, logName: string, text: string) => log(p, logName).getByRole("article").filter({ hasText: text });
const link = (p: Page, name: string) => p.getByRole("link", { name, exact: true });

/** send types a message into a composer and presses Enter. */
async function send(p: Page, composer: string, text: string): Promise<void> {
  const box = p.getByRole("textbox", { name: composer, exact: true });
  await box.fill(text);
  await box.press("Enter");
}

/** unreadOf asks the server for a user's unread count in a channel (by name): the badge must say the same. */
async function unreadOf(token: string, communityID: string, channelName: string): Promise<number> {
  const r = await api<{ channelList: { channelName: string; unreadMessageCount: number }[] }>(server, token, "GET", `/v1/communities/${encodeURIComponent(communityID)}/channels?count=100`);
  return r.channelList.find((c) => c.channelName === channelName)?.unreadMessageCount ?? -1;
}

let hikers = ""; // the community's generated ID

/** channelIDOf finds a channel of Hikers by name. */
async function channelIDOf(name: string): Promise<string> {
  const r = await api<{ channelList: { channelID: string; channelName: string }[] }>(server, mintToken(server, "user1"), "GET", `/v1/communities/${encodeURIComponent(hikers)}/channels?count=100`);
  return r.channelList.find((c) => c.channelName === name)!.channelID;
}
const bobToken = () => mintToken(server, "bob");

describe("two people chat in the browser", () => {
  it("signs in with a token given in the URL fragment, which leaves the address bar", async () => {
    await B.page.goto(server.url + "/#token=" + bobToken());
    await seen(B.page.getByRole("navigation", { name: "Communities" }));
    expect(B.page.url()).toBe(server.url + "/");
    await seen(B.page.getByText("You are in no community yet."));
  });

  it("signs in by user name on a development server", async () => {
    await A.page.goto(server.url + "/");
    await seen(A.page.getByRole("form", { name: "Development sign-in" }));
    await A.page.getByLabel("User name").fill("user1");
    await shot(A.page, "01-sign-in");
    await A.page.getByRole("button", { name: "Sign in as this user" }).click();
    await seen(A.page.getByRole("navigation", { name: "Communities" }));
  });

  it("creates a community and invites the other, who sees it arrive", async () => {
    await A.page.getByRole("button", { name: "Create a community" }).first().click();
    await A.page.getByRole("dialog", { name: "Create a community" }).getByLabel("Community name").fill("Hikers");
    await A.page.getByRole("button", { name: "Create", exact: true }).click();
    await seen(link(A.page, "# general"));
    hikers = decodeURIComponent(new URL(A.page.url()).pathname.split("/")[2]!);
    expect(hikers).not.toBe("");

    await A.page.getByRole("button", { name: "Invite people" }).click();
    await A.page.getByLabel("User IDs").fill("bob");
    await A.page.getByRole("button", { name: "Invite", exact: true }).click();
    await gone(A.page.getByRole("dialog"));

    await (await seen(B.page.getByRole("link", { name: /^Hikers/ }))).click();
    await seen(B.page.getByRole("heading", { name: "Hikers" }));
    await seen(message(B.page, "Messages in # general", "user1 invited bob."));
    await seen(message(B.page, "Messages in # general", "user1 created the community."));
  });

  it("adds a channel, which shows at once on the other side", async () => {
    await A.page.getByRole("button", { name: "Create channel" }).click();
    await A.page.getByLabel("Channel name").fill("trails");
    await A.page.getByRole("button", { name: "Create", exact: true }).click();
    await seen(A.page.getByRole("heading", { name: "trails" }));
    await seen(link(B.page, "# trails"));
    await seen(message(B.page, "Messages in # general", "user1 added the channel #trails."));
  });

  it("sends; the other sees the channel's unread badge live, and the community's", async () => {
    await send(A.page, "Message # trails", "Anyone up for Mont Blanc?");
    await seen(message(A.page, "Messages in # trails", "Anyone up for Mont Blanc?"));
    // Bob looks at #general: #trails gets its badge.
    await seen(link(B.page, "# trails, 1 unread"));
    expect(await unreadOf(bobToken(), hikers, "trails")).toBe(1);
    await seen(B.page.getByRole("link", { name: "Hikers, 1 unread", exact: true }));

    // A second community, where Bob is not looking: its rail badge.
    await A.page.getByRole("button", { name: "Create a community" }).first().click();
    await A.page.getByLabel("Community name").fill("Climbers");
    await A.page.getByRole("button", { name: "Create", exact: true }).click();
    await seen(A.page.getByRole("heading", { name: "Climbers" }));
    const climbers = decodeURIComponent(new URL(A.page.url()).pathname.split("/")[2]!);
    await api(server, mintToken(server, "user1"), "POST", `/v1/communities/${encodeURIComponent(climbers)}/members`, { userIDs: ["bob"] });
    await send(A.page, "Message # general", "Rope check on Sunday");
    await seen(message(A.page, "Messages in # general", "Rope check on Sunday"));
    await seen(B.page.getByRole("link", { name: /^Climbers, \d+ unread$/ }));
    const want = await unreadOf(bobToken(), climbers, "general");
    expect(want).toBeGreaterThan(0);
    await seen(B.page.getByRole("link", { name: `Climbers, ${want} unread`, exact: true }));
    await shot(B.page, "02-unread-badges");

    // Back to Hikers for both.
    await A.page.getByRole("link", { name: /^Hikers/ }).click();
    await link(A.page, "# trails").click();
    await seen(message(A.page, "Messages in # trails", "Anyone up for Mont Blanc?"));
  });

  it("opens the channel: the message is there and the badge clears", async () => {
    await link(B.page, "# trails, 1 unread").click();
    await seen(message(B.page, "Messages in # trails", "Anyone up for Mont Blanc?"));
    await seen(link(B.page, "# trails"));
    await expect.poll(() => unreadOf(bobToken(), hikers, "trails"), { timeout: 5000 }).toBe(0);
  });

  it("opens a thread on the message and replies in it", async () => {
    const root = message(B.page, "Messages in # trails", "Anyone up for Mont Blanc?");
    await root.hover();
    await root.getByRole("button", { name: "Create thread" }).click();
    const panel = await seen(B.page.getByRole("complementary", { name: "Thread Anyone up for Mont Blanc?" }));
    await send(B.page, "Reply in thread Anyone up for Mont Blanc?", "Count me in");
    await seen(message(B.page, "Messages in thread Anyone up for Mont Blanc?", "Count me in"));
    await seen(panel.getByRole("button", { name: "Following" }));
    await shot(B.page, "03-thread");
  });

  it("the root's sender follows the thread: its badge, and the root's reply count", async () => {
    await seen(message(A.page, "Messages in # trails", "Anyone up for Mont Blanc?").getByRole("button", { name: /1 reply/ }));
    await seen(link(A.page, "Thread Anyone up for Mont Blanc?, 1 unread"));
    await link(A.page, "Thread Anyone up for Mont Blanc?, 1 unread").click();
    await seen(message(A.page, "Messages in thread Anyone up for Mont Blanc?", "Count me in"));
    await seen(link(A.page, "Thread Anyone up for Mont Blanc?"));
  });

  it("reacts, and the other sees the reaction", async () => {
    const reply = message(A.page, "Messages in thread Anyone up for Mont Blanc?", "Count me in");
    await reply.hover();
    await reply.getByRole("button", { name: "Add reaction" }).click();
    await reply.getByRole("button", { name: "React with 👍" }).click();
    await seen(reply.getByRole("button", { name: "👍 1", pressed: true }));
    await seen(message(B.page, "Messages in thread Anyone up for Mont Blanc?", "Count me in").getByRole("button", { name: "👍 1", pressed: false }));
  });

  it("mentions the other, whose channel shows a mention badge", async () => {
    await B.page.getByRole("button", { name: "Close thread" }).click();
    await link(B.page, "# general").click();
    const box = A.page.getByRole("textbox", { name: "Message # trails", exact: true });
    await box.pressSequentially("@bo");
    await seen(A.page.getByRole("listbox", { name: "Mention suggestions" }).getByRole("option", { name: /@bob/ }));
    await box.press("Enter");
    expect(await box.inputValue()).toBe("@bob ");
    await box.pressSequentially("bring the rope");
    await box.press("Enter");
    await seen(link(B.page, "# trails, 1 unread, 1 mention"));
    await link(B.page, "# trails, 1 unread, 1 mention").click();
    const m = await seen(message(B.page, "Messages in # trails", "bring the rope"));
    expect(await m.getAttribute("class")).toContain("mentions-me");
  });

  it("replies, edits and revokes; each shows on the other side", async () => {
    const m = message(B.page, "Messages in # trails", "bring the rope");
    await m.hover();
    await m.getByRole("button", { name: "Reply" }).click();
    await seen(B.page.getByText("Replying to user1"));
    await send(B.page, "Message # trails", "On it");
    const reply = await seen(message(A.page, "Messages in # trails", "On it"));
    await seen(reply.getByText("@bob bring the rope"));

    const mine = message(B.page, "Messages in # trails", "On it");
    await mine.hover();
    await mine.getByRole("button", { name: "Edit" }).click();
    const edit = B.page.getByRole("textbox", { name: "Edit message" });
    await edit.fill("On it, 30 m of rope");
    await edit.press("Enter");
    await seen(message(A.page, "Messages in # trails", "On it, 30 m of rope").getByText("(edited)"));

    await send(A.page, "Message # trails", "oops, wrong channel");
    const oops = await seen(message(A.page, "Messages in # trails", "oops, wrong channel"));
    await seen(message(B.page, "Messages in # trails", "oops, wrong channel"));
    await oops.hover();
    await oops.getByRole("button", { name: "Revoke" }).click();
    await oops.getByRole("button", { name: "Revoke", exact: true }).click();
    await gone(message(B.page, "Messages in # trails", "oops, wrong channel"));
    await seen(message(B.page, "Messages in # trails", "This message was revoked."));
  });

  it("loses nothing while the network is away: both ways, channel and thread", async () => {
    // Bob's thread is open again, in the side panel.
    const root = message(B.page, "Messages in # trails", "Anyone up for Mont Blanc?");
    await root.getByRole("button", { name: /1 reply/ }).click();
    await seen(B.page.getByRole("complementary", { name: "Thread Anyone up for Mont Blanc?" }));

    await B.context.setOffline(true);
    await seen(B.page.getByRole("status", { name: "Connection" }).getByText("Reconnecting…"));
    await send(B.page, "Message # trails", "I'll drive");
    await seen(message(B.page, "Messages in # trails", "I'll drive").getByText("Sending…"));
    await send(A.page, "Message # trails", "Leaving at 6");
    await send(A.page, "Reply in thread Anyone up for Mont Blanc?", "Bring snacks");
    await seen(message(A.page, "Messages in thread Anyone up for Mont Blanc?", "Bring snacks"));
    await shot(B.page, "04-reconnecting");

    await B.context.setOffline(false);
    await gone(B.page.getByRole("status", { name: "Connection" }).getByText("Reconnecting…"), 20_000);
    await seen(message(B.page, "Messages in # trails", "Leaving at 6"), 15_000);
    await seen(message(B.page, "Messages in thread Anyone up for Mont Blanc?", "Bring snacks"), 15_000);
    await seen(message(A.page, "Messages in # trails", "I'll drive"), 15_000);
    await gone(message(B.page, "Messages in # trails", "I'll drive").getByText("Sending…"));
    // Each once, on both sides.
    for (const p of [A.page, B.page]) {
      expect(await message(p, "Messages in # trails", "I'll drive").count()).toBe(1);
      expect(await message(p, "Messages in # trails", "Leaving at 6").count()).toBe(1);
      expect(await message(p, "Messages in thread Anyone up for Mont Blanc?", "Bring snacks").count()).toBe(1);
    }
  });

  it("shows the chat as a person sees it", async () => {
    // Bob in #trails with the thread beside it; Climbers waits with its badge.
    await message(A.page, "Messages in # trails", "Anyone up for Mont Blanc?").getByRole("button", { name: /replies/ }).click();
    await send(A.page, "Reply in thread Anyone up for Mont Blanc?", "Weather looks good for Saturday ☀️");
    const root = message(B.page, "Messages in # trails", "Anyone up for Mont Blanc?");
    await root.getByRole("button", { name: /replies/ }).click();
    const snacks = await seen(message(B.page, "Messages in thread Anyone up for Mont Blanc?", "Bring snacks"));
    await seen(message(B.page, "Messages in thread Anyone up for Mont Blanc?", "Weather looks good"));
    await snacks.hover();
    await snacks.getByRole("button", { name: "Add reaction" }).click();
    await snacks.getByRole("button", { name: "React with 🎉" }).click();
    await seen(snacks.getByRole("button", { name: "🎉 1" }));
    await B.page.mouse.move(0, 0);
    await B.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await gone(B.page.getByText(/Connected again/));
    expect(await B.page.title()).toMatch(/# trails · Hikers — Plaza$/);
    await shot(B.page, "06-chat");
  });

  it("on a second device, sends over HTTP while only the gateway is away; its return brings the rest", async () => {
    // Bob's second device, whose gateway connections the test holds: the
    // page's WebSocket is routed (from its first load) to the server while
    // the gateway is "there", and refused while it is "away".
    const second = await person(browser);
    let away = false;
    let socket: WebSocketRoute | undefined;
    await second.context.routeWebSocket(/\/v1\/gateway$/, (ws) => {
      if (away) return void ws.close();
      socket = ws;
      ws.connectToServer();
    });
    const p = second.page;
    await p.goto(server.url + "/c/" + encodeURIComponent(hikers) + "/trails#token=" + bobToken());
    await link(p, "# trails").click();
    await seen(message(p, "Messages in # trails", "Leaving at 6"));

    away = true;
    await socket!.close();
    const reconnecting = p.getByRole("status", { name: "Connection" }).getByText("Reconnecting…");
    await seen(reconnecting);
    await send(p, "Message # trails", "Parking is at Les Houches");
    await seen(message(A.page, "Messages in # trails", "Parking is at Les Houches"));
    await gone(message(p, "Messages in # trails", "Parking is at Les Houches").getByText("Sending…"));
    await send(A.page, "Message # trails", "See you at the trailhead");
    away = false;
    await gone(reconnecting, 20_000);
    await seen(message(p, "Messages in # trails", "See you at the trailhead"));
    // The first device saw its own user's message from the second.
    await seen(message(B.page, "Messages in # trails", "Parking is at Les Houches"));
    for (const q of [A.page, B.page, p]) expect(await message(q, "Messages in # trails", "Parking is at Les Houches").count()).toBe(1);
    await second.context.close();
  });

  it("loses nothing when the server restarts: the sessions cannot resume, and resync", async () => {
    await server.restart();
    // Sent while the pages reconnect: the server has no session to resume,
    // so the pages start anew and fetch what they missed.
    await api(server, mintToken(server, "user1"), "POST", `/v1/communities/${encodeURIComponent(hikers)}/channels/${encodeURIComponent(await channelIDOf("trails"))}/messages`, {
      message: { type: 1, message: "Forecast updated: clear skies" },
    });
    for (const p of [A.page, B.page]) {
      await seen(message(p, "Messages in # trails", "Forecast updated: clear skies"), 20_000);
      await seen(p.getByRole("status", { name: "Connection" }).getByText(/Connected again/), 20_000);
    }
    await send(B.page, "Message # trails", "Great news");
    await seen(message(A.page, "Messages in # trails", "Great news"));
    for (const p of [A.page, B.page]) expect(await message(p, "Messages in # trails", "Forecast updated: clear skies").count()).toBe(1);
  });

  it("lists members by role; the owner makes the other an admin", async () => {
    await A.page.getByRole("button", { name: "Close thread" }).click();
    await A.page.getByRole("button", { name: "Members", exact: true }).click();
    const members = await seen(A.page.getByRole("complementary", { name: "Members" }));
    await seen(members.getByRole("list", { name: "Owner" }).getByRole("listitem", { name: "user1 (you)" }));
    const bob = await seen(members.getByRole("list", { name: "Members" }).getByRole("listitem", { name: "bob" }));
    await shot(A.page, "05-members");
    await bob.getByRole("button", { name: "Make admin" }).click();
    await seen(members.getByRole("list", { name: "Admins" }).getByRole("listitem", { name: "bob" }));
    // Bob, now an admin, may add channels.
    await seen(B.page.getByRole("button", { name: "Create channel" }));
    await A.page.getByRole("button", { name: "Members", exact: true }).click();
  });

  it("signs out, and in again with a token typed in", async () => {
    await B.page.getByRole("button", { name: "Sign out" }).click();
    const form = await seen(B.page.getByRole("form", { name: "Sign in with a token" }));
    await form.getByLabel("User token").fill(bobToken());
    await seen(form.getByText("Signs in as bob"));
    await form.getByRole("button", { name: "Sign in", exact: true }).click();
    await (await seen(B.page.getByRole("link", { name: /^Hikers/ }))).click();
    await seen(message(B.page, "Messages in # general", "user1 created the community."));
  });
});
