import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "../model/chat.js";
import { key } from "../model/chat.js";
import { mentions, unread, type Conv } from "../model/conversation.js";
import { pathOf, placeOf } from "../lib/route.js";
import { ChannelView } from "./ChannelView.js";
import { Dialogs, type DialogKind } from "./Dialogs.js";
import { useChat, useEscape } from "./hooks.js";
import { MemberList } from "./MemberList.js";
import { Rail } from "./Rail.js";
import { Sidebar } from "./Sidebar.js";
import { ThreadPanel } from "./ThreadPanel.js";
import { ConnectionBanner, Toasts } from "./Status.js";

/** Panel is what the right-hand side shows: a thread, the member list, or nothing. */
export type Panel = { kind: "thread"; communityID: string; threadID: string } | { kind: "members" } | undefined;

/** channelOrder puts GENERAL first, then channels by name. */
export function channelOrder(a: Conv, b: Conv): number {
  if ((a.channelType === 0) !== (b.channelType === 0)) return a.channelType === 0 ? -1 : 1;
  return a.name.localeCompare(b.name);
}

/** Workspace is the signed-in screen: communities, channels, messages, and a side panel. */
export function Workspace({ chat, onSignOut }: { chat: Chat; onSignOut: () => void }) {
  useChat(chat);
  const [place, setPlace] = useState(() => placeOf(location.pathname));
  const [panel, setPanel] = useState<Panel>();
  const [dialog, setDialog] = useState<DialogKind>();
  const lastChannel = useRef(new Map<string, string>());

  const communityIDs = [...chat.communities.keys()];
  const communityID = place.communityID && chat.communities.has(place.communityID) ? place.communityID : communityIDs[0];
  const channels = [...chat.convs.values()].filter((c) => c.communityID === communityID && c.channelType !== 3).sort(channelOrder);
  const channelID =
    communityID === undefined
      ? undefined
      : channels.some((c) => c.channelID === place.channelID)
        ? place.channelID
        : (channels.find((c) => c.channelID === lastChannel.current.get(communityID))?.channelID ?? channels[0]?.channelID);

  useEffect(() => {
    if (!communityID) return;
    void chat.loadCommunity(communityID);
    void chat.loadMembers(communityID);
    chat.setActive(communityID);
  }, [chat, communityID]);

  useEffect(() => {
    if (communityID && channelID) lastChannel.current.set(communityID, channelID);
    const path = pathOf({ communityID, channelID });
    if (location.pathname !== path) history.replaceState(null, "", path);
  }, [communityID, channelID]);

  // A community left closes its thread.
  const threadGone = panel?.kind === "thread" && !chat.communities.has(panel.communityID);
  useEffect(() => {
    if (threadGone) setPanel(undefined);
  }, [threadGone]);

  const openCommunity = useCallback((id: string) => {
    setPlace({ communityID: id });
    setPanel((p) => (p?.kind === "members" ? p : undefined));
  }, []);
  const openChannel = useCallback(
    (id: string) => {
      setPlace({ communityID, channelID: id });
      setPanel((p) => (p?.kind === "members" ? p : undefined));
    },
    [communityID],
  );
  const openThread = useCallback((cid: string, threadID: string) => setPanel({ kind: "thread", communityID: cid, threadID }), []);
  useEscape(useCallback(() => (dialog ? setDialog(undefined) : setPanel(undefined)), [dialog]));

  const conv = communityID && channelID ? chat.convs.get(key(communityID, channelID)) : undefined;

  // The tab's title: where the person is, and whether anything waits elsewhere.
  let waiting = 0;
  let mentioned = 0;
  for (const c of chat.convs.values()) {
    waiting += unread(c);
    mentioned += mentions(c);
  }
  const community = communityID ? chat.communities.get(communityID) : undefined;
  const title = (mentioned > 0 ? `(${mentioned}) ` : waiting > 0 ? "• " : "") + (conv ? `# ${conv.name} · ${community?.communityName ?? ""} — Plaza` : "Plaza");
  useEffect(() => {
    document.title = title;
  }, [title]);

  return (
    <div class={"workspace" + (panel ? " with-panel" : "")}>
      <Rail chat={chat} current={communityID} onOpen={openCommunity} onDialog={setDialog} />
      <Sidebar
        chat={chat}
        communityID={communityID}
        channels={channels}
        channelID={channelID}
        threadID={panel?.kind === "thread" ? panel.threadID : undefined}
        onChannel={openChannel}
        onThread={(id) => communityID && openThread(communityID, id)}
        onDialog={setDialog}
        onSignOut={onSignOut}
      />
      <main class="main" aria-label="Chat">
        <ConnectionBanner chat={chat} />
        {communityID && conv ? (
          <ChannelView
            key={key(communityID, conv.channelID)}
            chat={chat}
            conv={conv}
            membersOpen={panel?.kind === "members"}
            onToggleMembers={() => setPanel((p) => (p?.kind === "members" ? undefined : { kind: "members" }))}
            onThread={(id) => openThread(communityID, id)}
          />
        ) : (
          <Empty chat={chat} communityID={communityID} onDialog={setDialog} />
        )}
      </main>
      {panel?.kind === "thread" && (
        <ThreadPanel key={panel.threadID} chat={chat} communityID={panel.communityID} threadID={panel.threadID} onClose={() => setPanel(undefined)} />
      )}
      {panel?.kind === "members" && communityID && <MemberList chat={chat} communityID={communityID} onClose={() => setPanel(undefined)} />}
      <Dialogs
        chat={chat}
        kind={dialog}
        communityID={communityID}
        onClose={() => setDialog(undefined)}
        onCommunity={openCommunity}
        onChannel={(cid, id) => setPlace({ communityID: cid, channelID: id })}
      />
      <Toasts chat={chat} />
    </div>
  );
}

function Empty({ chat, communityID, onDialog }: { chat: Chat; communityID: string | undefined; onDialog: (d: DialogKind) => void }) {
  if (communityID) return <div class="empty">Loading channels…</div>;
  return (
    <div class="empty">
      <h2>Welcome to Plaza, {chat.name(chat.me)}</h2>
      <p>You are in no community yet. Create one, or join one by its ID; someone may also invite you.</p>
      <div class="row">
        <button type="button" onClick={() => onDialog("community")}>
          Create a community
        </button>
        <button type="button" class="secondary" onClick={() => onDialog("join")}>
          Join a community
        </button>
      </div>
    </div>
  );
}
