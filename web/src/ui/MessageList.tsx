import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Message } from "@plazahq/sdk";
import type { Timeline } from "../model/timeline.js";
import { sameDay } from "../lib/format.js";
import { anchorAt, Layout, scrollTopFor, type Anchor } from "../lib/virtual.js";
import { Icon } from "./Icon.js";
import { MessageRow, PendingRow, textOf, tipsText, type RowActions } from "./MessageRow.js";

/** Overscan is how far (px) above and below the viewport rows are drawn, so that scrolling shows no gap. */
const Overscan = 900;
/** Estimate is the height assumed for a row before it is drawn. */
const Estimate = 56;
/** Messages of one sender this close together are grouped under one header. */
const GroupWindow = 5 * 60_000;

interface Props {
  tl: Timeline;
  /** The list's accessible name: "Messages in # general". */
  label: string;
  /** What an empty conversation, or the top of a fully loaded one, says. */
  beginning: string;
  actions: RowActions;
  editing: number;
  loadOlder: () => void;
  /** Called while the newest message is in view and the page is visible: the conversation is read. */
  onRead: () => void;
}

type Row = { key: string; kind: "top" } | { key: string; kind: "msg"; m: Message; grouped: boolean; dayBreak: boolean } | { key: string; kind: "out"; index: number };

/**
 * MessageList draws a conversation's messages, virtualised: only the rows
 * in and near the viewport are in the page, whatever the number loaded, so
 * that ten thousand messages scroll as smoothly as ten. Rows have the
 * height their content gives them (measured once drawn); the reader's place
 * is kept by the row at the top of the viewport while older pages are added
 * above it, and the view stays at the newest message while the reader is
 * there. Reaching the top loads the page before.
 */
export function MessageList({ tl, label, beginning, actions, editing, loadOlder, onRead }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const layout = useMemo(() => new Layout<string>(Estimate), [tl]);
  // Whether the view follows the newest message (the reader is at the bottom).
  const stick = useRef(true);
  const anchor = useRef<Anchor<string> | undefined>(undefined);
  // The scroll position the list itself set last: its scroll event is not the reader's.
  const ownScroll = useRef(-1);
  const [view, setView] = useState({ top: 0, height: 0 });
  const [, setTick] = useState(0);
  const [below, setBelow] = useState(false);
  const frame = useRef(0);

  const rows = useMemo(() => {
    const out: Row[] = [{ key: "top", kind: "top" }];
    let prev: Message | undefined;
    for (const m of tl.messages) {
      const dayBreak = !prev || !sameDay(prev.timestamp, m.timestamp);
      const grouped =
        !!prev && !dayBreak && prev.senderUserID === m.senderUserID && prev.type !== 32 && m.type !== 32 && m.timestamp - prev.timestamp < GroupWindow && !m.repliedInfo;
      out.push({ key: "m" + m.messageSeq, kind: "msg", m, grouped, dayBreak });
      prev = m;
    }
    tl.pending.forEach((o, index) => out.push({ key: "p" + o.clientMessageID, kind: "out", index }));
    return out;
  }, [tl.messages, tl.pending]);
  const keys = useMemo(() => rows.map((r) => r.key), [rows]);
  layout.setKeys(keys);

  const [start, end] = view.height > 0 ? layout.range(view.top, view.height, Overscan) : [Math.max(0, rows.length - 30), rows.length];

  // After each render: measure the rows drawn, keep the reader's place, and
  // draw again when the measured heights moved rows.
  useLayoutEffect(() => {
    const sc = scroller.current;
    const el = box.current;
    if (!sc || !el) return;
    let moved = false;
    for (const child of Array.from(el.children)) {
      const k = (child as HTMLElement).dataset.key;
      if (k) moved = layout.measure(k, (child as HTMLElement).offsetHeight) || moved;
    }
    if (moved) layout.place();
    const max = Math.max(0, layout.total - sc.clientHeight);
    let target: number | undefined;
    if (stick.current) target = max;
    else if (anchor.current) target = scrollTopFor(layout, anchor.current);
    if (target !== undefined) {
      target = Math.min(Math.max(0, target), max);
      if (Math.abs(sc.scrollTop - target) >= 1) {
        sc.scrollTop = target;
        ownScroll.current = sc.scrollTop;
      }
    }
    if (moved) setTick((t) => t + 1);
    else if (Math.abs(sc.scrollTop - view.top) >= 1 || sc.clientHeight !== view.height) setView({ top: sc.scrollTop, height: sc.clientHeight });
  });

  // The top row drawn: the page before, if any, is loaded now.
  useEffect(() => {
    if (start === 0 && tl.loaded && tl.hasOlder && !tl.loadingOlder) loadOlder();
  });

  // The newest message in view, on a visible page: the conversation is read.
  useEffect(() => {
    const check = () => {
      if (stick.current && tl.loaded && document.visibilityState === "visible") onRead();
    };
    check();
    document.addEventListener("visibilitychange", check);
    return () => document.removeEventListener("visibilitychange", check);
  });

  // The viewport's size changes with the window and the panels.
  useEffect(() => {
    const sc = scroller.current;
    if (!sc || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setTick((t) => t + 1));
    ro.observe(sc);
    if (box.current) ro.observe(box.current);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const sc = scroller.current;
    if (!sc) return;
    if (ownScroll.current >= 0 && Math.abs(sc.scrollTop - ownScroll.current) < 1) {
      ownScroll.current = -1;
    } else {
      ownScroll.current = -1;
      stick.current = sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 24;
      anchor.current = anchorAt(layout, sc.scrollTop);
      if (stick.current !== !below) setBelow(!stick.current);
    }
    if (!frame.current)
      frame.current = requestAnimationFrame(() => {
        frame.current = 0;
        setView({ top: sc.scrollTop, height: sc.clientHeight });
      });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const jump = () => {
    stick.current = true;
    setBelow(false);
    setTick((t) => t + 1);
  };

  const drawn = rows.slice(start, end);
  return (
    <div class="messages-wrap">
      <div
        ref={scroller}
        class="messages"
        role="log"
        aria-label={label}
        aria-busy={!tl.loaded || tl.loadingOlder}
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={(e) => {
          if (e.key === "End" && e.ctrlKey) jump();
        }}
      >
        <div class="messages-inner">
        <div aria-hidden="true" style={{ height: layout.offset(start) + "px" }} />
        <div ref={box}>
          {drawn.map((r) => (
            <div key={r.key} data-key={r.key} class="row">
              {r.kind === "top" ? (
                <Top tl={tl} beginning={beginning} />
              ) : r.kind === "msg" ? (
                <MessageRow
                  m={r.m}
                  grouped={r.grouped}
                  dayBreak={r.dayBreak}
                  senderName={actions.name(r.m.senderUserID)}
                  tips={r.m.type === 32 ? tipsText(r.m, actions) : undefined}
                  replyTo={replyOf(tl, r.m, actions)}
                  editing={editing === r.m.messageSeq}
                  actions={actions}
                />
              ) : (
                <PendingRow o={tl.pending[r.index]!} senderName={actions.name(actions.me)} actions={actions} />
              )}
            </div>
          ))}
        </div>
        <div aria-hidden="true" style={{ height: Math.max(0, layout.total - layout.offset(end)) + "px" }} />
        </div>
      </div>
      {below && (
        <button type="button" class="jump" onClick={jump}>
          Jump to the newest messages <Icon name="down" size={16} />
        </button>
      )}
    </div>
  );
}

function Top({ tl, beginning }: { tl: Timeline; beginning: string }) {
  if (!tl.loaded || tl.hasOlder)
    return (
      <p class="top loading" role="status">
        <span class="spinner" aria-hidden="true" /> Loading older messages…
      </p>
    );
  return <p class="top beginning">{beginning}</p>;
}

// replyOf describes the message a reply answers, from the messages loaded.
function replyOf(tl: Timeline, m: Message, actions: RowActions): { name: string; text: string } | undefined {
  const r = m.repliedInfo;
  if (!r) return undefined;
  const to = tl.find(r.messageSeq);
  return { name: actions.name(r.senderUserID), text: to ? textOf(to) : "an earlier message" };
}
