import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { WebSocketConstructor } from "../../src/core/link.js";

describe("WebSocketConstructor", () => {
  it("accepts the ws package", () => {
    const WS: WebSocketConstructor = WebSocket;
    expect(typeof WS).toBe("function");
  });
});
