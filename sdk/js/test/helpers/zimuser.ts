// A facade user for the integration tests: a ZIM instance against a real
// plaza serve that records every event it gets, and waits for them.
import WebSocket from "ws";
import { ZIM, type ZIMEventHandler, type ZIMMessage } from "../../src/index.js";
import type { Server } from "./server.js";

export type Events = ZIMEventHandler<ZIM>;
export type Payload<K extends keyof Events> = Parameters<Events[K]>[1];

const recorded: (keyof Events)[] = [
  "connectionStateChanged",
  "tokenWillExpire",
  "messageReceived",
  "messageRevokeReceived",
  "messageEdited",
  "messageReactionsChanged",
  "conversationChanged",
  "conversationTotalUnreadMessageCountUpdated",
  "communityListChanged",
  "communityMemberStateChanged",
  "communityChannelListChanged",
  "communityThreadListChanged",
  "communityThreadMemberStateChanged",
  "connectionResynced",
];

/** ZIMUser is a facade instance that records every event it gets. */
export class ZIMUser {
  readonly zim: ZIM;
  readonly events: { name: keyof Events; data: unknown }[] = [];
  constructor(
    readonly server: Server,
    readonly id: string,
  ) {
    this.zim = new ZIM({ appID: Number(server.appID), server: server.baseURL, WebSocket });
    for (const n of recorded) this.zim.on(n, ((_z: ZIM, d: unknown) => this.events.push({ name: n, data: d })) as Events[typeof n]);
  }
  login(ttl = 3600): Promise<void> {
    return this.zim.login(this.id, { userName: this.id.toUpperCase(), token: this.server.token(this.id, ttl) });
  }
  of<K extends keyof Events>(name: K): Payload<K>[] {
    return this.events.filter((e) => e.name === name).map((e) => e.data as Payload<K>);
  }
  received(): ZIMMessage[] {
    return this.of("messageReceived").flatMap((d) => d.messageList);
  }
  async until<K extends keyof Events>(name: K, pred: (d: Payload<K>) => boolean = () => true, timeout = 10_000): Promise<Payload<K>> {
    const end = Date.now() + timeout;
    for (;;) {
      const hit = this.of(name).find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`${this.id}: no ${name} within ${timeout} ms`);
      await sleep(20);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, what: string, timeout = 15_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}
