#!/usr/bin/env node
// measure.mjs measures the SDK against a running plaza serve, through the
// built package (npm run build first):
//
//   node scripts/measure.mjs --server http://127.0.0.1:8080 --data plaza-data
//
// It prints one line of JSON per result: the latency of a facade message
// from one user's sendMessage to the other's messageReceived, of a call over
// the gateway and over HTTP, and the time a dropped connection takes to
// resume. Tokens are minted with the development app's secret (dev-app.json
// in --data).
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { ZIM, ZIMConversationType } from "../dist/index.js";

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}
const server = arg("--server", "http://127.0.0.1:8080");
const data = arg("--data", "plaza-data");
const n = Number(arg("--n", "100"));
const app = JSON.parse(readFileSync(join(data, "dev-app.json"), "utf8"));

function token(sub) {
  const b = (v) => Buffer.from(v).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const h = b(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const p = b(JSON.stringify({ app: app.appID, sub, iat: now, exp: now + 3600 }));
  return `${h}.${p}.${createHmac("sha256", app.serverSecret).update(`${h}.${p}`).digest("base64url")}`;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
}
function report(name, xs, extra = {}) {
  console.log(JSON.stringify({ name, n: xs.length, p50_ms: pct(xs, 50), p99_ms: pct(xs, 99), max_ms: pct(xs, 100), node: process.version, ...extra }));
}

const run = Date.now().toString(36);
const a = new ZIM({ appID: app.appID, server, WebSocket });
const b = new ZIM({ appID: app.appID, server, WebSocket });
await a.login(`ma-${run}`, { token: token(`ma-${run}`) });
await b.login(`mb-${run}`, { token: token(`mb-${run}`) });
const { communityInfo } = await a.createCommunity({ communityID: `m-${run}`, communityName: "measure" }, {});
const cid = communityInfo.baseInfo.communityID;
await a.inviteUsersIntoCommunity([`mb-${run}`], cid);
const conv = `${cid}/#general`;
const CH = ZIMConversationType.CommunityChannel;
await b.queryHistoryMessage(conv, CH, { count: 1 });

// 1. sendMessage → messageReceived on the other instance.
const pending = new Map();
b.on("messageReceived", (_z, d) => {
  for (const m of d.messageList) pending.get(m.message)?.(performance.now());
});
const lat = [];
for (let i = 0; i < n; i++) {
  const key = `lat-${i}`;
  const got = new Promise((r) => pending.set(key, r));
  const t0 = performance.now();
  await a.sendMessage({ type: 1, message: key }, conv, CH, {});
  lat.push((await got) - t0);
  await sleep(110);
}
report("facade message: sendMessage → other user's messageReceived", lat);

// 2. A call over the gateway, and over HTTP.
const gw = [];
const rest = [];
for (let i = 0; i < n; i++) {
  let t0 = performance.now();
  await a.plaza.call("queryCommunityInfo", { communityID: cid });
  gw.push(performance.now() - t0);
  t0 = performance.now();
  await a.plaza.rest.call("queryCommunityInfo", { communityID: cid });
  rest.push(performance.now() - t0);
}
report("call over the gateway (queryCommunityInfo)", gw);
report("call over HTTP (queryCommunityInfo)", rest);

// 3. A dropped connection: time until the session is connected again (resumed).
const resume = [];
let back;
b.on("connectionStateChanged", (_z, d) => d.state === 2 && back?.(performance.now()));
for (let i = 0; i < Math.min(n, 20); i++) {
  const done = new Promise((r) => (back = r));
  const t0 = performance.now();
  b.plaza.session.drop();
  resume.push((await done) - t0);
  await sleep(50);
}
report("drop → connected again (resume, backoff 0–100 ms first)", resume, { resumes: b.plaza.session.stats.resumes });

a.logout();
b.logout();
process.exit(0);
