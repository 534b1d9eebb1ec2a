import { useEffect, useReducer } from "preact/hooks";
import type { Chat } from "../model/chat.js";

/** useChat re-renders the component after every change of the chat. */
export function useChat(chat: Chat): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => chat.subscribe(() => bump(undefined)), [chat]);
}

/** useEscape calls fn when Escape is pressed, while the component is shown. */
export function useEscape(fn: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) fn();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [fn]);
}
