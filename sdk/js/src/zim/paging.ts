import { invalid } from "./convert.js";

/**
 * Cursors maps Plaza's opaque string cursors to the reference's numeric
 * `nextFlag`: 0 asks for the first page, and a page whose `nextFlag` is 0 is
 * the last. Each cursor the server returns gets a number of its own, kept
 * for the instance's life (the most recent `limit` of them).
 */
export class Cursors {
  #byFlag = new Map<number, string>();
  #next = 1;
  #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** flagOf returns the number of a cursor the server returned ("" → 0). */
  flagOf(cursor: string | undefined): number {
    if (!cursor) return 0;
    const flag = this.#next++;
    this.#byFlag.set(flag, cursor);
    if (this.#byFlag.size > this.#limit) {
      const oldest = this.#byFlag.keys().next().value;
      if (oldest !== undefined) this.#byFlag.delete(oldest);
    }
    return flag;
  }

  /** cursorOf returns the cursor of a nextFlag (0 → undefined: the first page), or rejects with 6000001. */
  cursorOf(flag: number | undefined): string | undefined {
    if (flag === undefined || flag === null || flag === 0) return undefined;
    const c = this.#byFlag.get(flag);
    if (c === undefined) throw invalid(`nextFlag ${String(flag)} was not returned by this instance (or is too old)`, "nextFlag");
    return c;
  }
}
