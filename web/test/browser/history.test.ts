// A channel of 10,000 messages in a real Chromium: it opens at the newest,
// the page holds only the rows in and near view whatever was loaded,
// scrolling up loads every older page down to the first message, frames
// stay short while scrolling, and the newest message is one click away.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { api, launch, mintToken, operator, person, shot, startServer, type Server } from "./harness.js";

const Total = 10_000;
// Rows in the page at most: those in and near an 800 px window, whatever
// the number of messages loaded.
const MaxRows = 150;

let server: Server;
let browser: Browser;
let page: Page;
let list: Locator;

/** seed sends n messages to a channel, eight at a time. */
async function seed(token: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = ++next;
      await api(server, token, "POST", "/v1/communities/archive/channels/history/messages", { message: { type: 1, message: `Message ${i} of the archive` } });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

beforeAll(async () => {
  server = await startServer(["--dev-login"]);
  // The app's send rate is lifted for the seeding (SPEC §5: configurable).
  await operator(server, "PATCH", `/v1/operator/apps/${server.appID}/spec`, { spec: { sendIntervalMillis: 0, sendsPerSecond: 10_000 } });
  const token = mintToken(server, "user1");
  await api(server, token, "POST", "/v1/communities", { communityID: "archive", communityName: "Archive" });
  await api(server, token, "POST", "/v1/communities/archive/channels", { channelID: "history", channelName: "history" });
  const t0 = Date.now();
  await seed(token, Total);
  console.log(`seeded ${Total} messages in ${Date.now() - t0} ms`);
  browser = await launch();
  ({ page } = await person(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = () => list.getByRole("article").count();
/** q is the quantile f of sorted numbers. */
const q = (sorted: number[], f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? Infinity;
const seqsShown = () => list.getByRole("article").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))).filter((n) => n > 0));

describe("a channel of 10,000 messages", () => {
  it("opens at the newest message, with few rows in the page", async () => {
    // A link to the channel opens it once signed in.
    await page.goto(server.url + "/c/archive/history");
    await page.getByLabel("User name").fill("user1");
    await page.getByRole("button", { name: "Sign in as this user" }).click();
    list = page.getByRole("log", { name: "Messages in # history" });
    await list.locator(`[data-seq="${Total}"]`).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe("/c/archive/history");
    expect(await rows()).toBeLessThanOrEqual(MaxRows);
  });

  it("scrolls up through every page to the first message, the page staying small", async () => {
    await list.hover();
    let most = 0;
    let oldest = Total;
    const t0 = Date.now();
    for (let i = 0; i < 2000 && !(await list.getByText("This is the beginning of # history.").isVisible()); i++) {
      await page.mouse.wheel(0, -2500);
      await page.waitForTimeout(16);
      most = Math.max(most, await rows());
      const seqs = await seqsShown();
      if (seqs.length > 0) oldest = Math.min(oldest, ...seqs);
    }
    console.log(`scrolled to the first of ${Total} messages in ${Date.now() - t0} ms; at most ${most} rows in the page`);
    await list.locator(`[data-seq="1"]`).waitFor();
    oldest = Math.min(oldest, ...(await seqsShown()));
    expect(oldest).toBe(1);
    expect(most).toBeLessThanOrEqual(MaxRows);
    await shot(page, "07-history-top");
  });

  it("keeps frames short while scrolling through the loaded messages", async () => {
    // Scroll the channel down, 120 px a frame for 3 s, timing frames. The
    // machine is shared: of three runs, the smoothest counts.
    const runs: number[][] = [];
    for (let run = 0; run < 3; run++) {
      await list.evaluate((el) => (el.scrollTop = 0));
      const gaps = await list.evaluate(async (el) => {
        const gaps: number[] = [];
        let last = performance.now();
        const end = performance.now() + 3000;
        while (performance.now() < end && el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
          el.scrollTop += 120;
          await new Promise((r) => requestAnimationFrame(r));
          const now = performance.now();
          gaps.push(now - last);
          last = now;
        }
        return gaps.sort((a, b) => a - b);
      });
      runs.push(gaps);
      if (q(gaps, 0.95) < 50) break;
    }
    for (const g of runs) console.log(`${g.length} frames: p50 ${q(g, 0.5).toFixed(1)} ms, p95 ${q(g, 0.95).toFixed(1)} ms, max ${q(g, 1).toFixed(1)} ms`);
    const best = runs.reduce((a, b) => (q(a, 0.95) <= q(b, 0.95) ? a : b));
    expect(best.length).toBeGreaterThan(30);
    expect(q(best, 0.95)).toBeLessThan(100);
    expect(await rows()).toBeLessThanOrEqual(MaxRows);
  });

  it("goes back to the newest message in one click", async () => {
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await list.hover();
    await page.mouse.wheel(0, -500);
    const jump = page.getByRole("button", { name: "Jump to the newest messages" });
    await jump.click();
    await list.locator(`[data-seq="${Total}"]`).waitFor();
    await jump.waitFor({ state: "hidden" });
    expect(await rows()).toBeLessThanOrEqual(MaxRows);
  });
});
