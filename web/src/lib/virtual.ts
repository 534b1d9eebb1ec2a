// Layout of a virtualised list of rows of varying height: the offsets of
// the rows (measured where they were rendered, estimated elsewhere), the rows
// that a viewport shows, and the row at a given height. Pure, so that it is
// tested without a browser; MessageList.tsx draws with it.

/** Layout holds the measured heights of rows by key and places them. */
export class Layout<K> {
  #heights = new Map<K, number>();
  #estimate: number;
  #keys: readonly K[] = [];
  #offsets = new Float64Array(1);

  /** estimate is the height assumed for a row not measured yet. */
  constructor(estimate: number) {
    this.#estimate = estimate;
  }

  /** setKeys sets the rows, in order, and places them. */
  setKeys(keys: readonly K[]): void {
    this.#keys = keys;
    this.#place();
  }

  /** keys are the rows, in order. */
  get keys(): readonly K[] {
    return this.#keys;
  }

  /**
   * measure records a row's rendered height and reports whether it changed
   * the layout. Heights of rows no longer listed are kept: a row that comes
   * back (scrolled away and back) is placed at its true height at once.
   */
  measure(key: K, height: number): boolean {
    if (this.#heights.get(key) === height) return false;
    this.#heights.set(key, height);
    return true;
  }

  /** place recomputes the offsets after measure reported changes. */
  place(): void {
    this.#place();
  }

  #place(): void {
    const n = this.#keys.length;
    const off = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) off[i + 1] = off[i]! + this.height(this.#keys[i]!);
    this.#offsets = off;
  }

  /** height is a row's height: measured, else the estimate. */
  height(key: K): number {
    return this.#heights.get(key) ?? this.#estimate;
  }

  /** total is the height of every row together. */
  get total(): number {
    return this.#offsets[this.#keys.length] ?? 0;
  }

  /** offset is the top of the row at index i (i = length: the bottom). */
  offset(i: number): number {
    return this.#offsets[Math.max(0, Math.min(i, this.#keys.length))] ?? 0;
  }

  /** indexOf returns the index of a row by key, or -1. */
  indexOf(key: K): number {
    return this.#keys.indexOf(key);
  }

  /** indexAt returns the index of the row at height y (clamped to the rows). */
  indexAt(y: number): number {
    const n = this.#keys.length;
    if (n === 0) return 0;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#offsets[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * range returns the rows [start, end) to render for a viewport from top
   * of the given height, with overscan pixels more on each side.
   */
  range(top: number, height: number, overscan: number): [number, number] {
    const n = this.#keys.length;
    if (n === 0) return [0, 0];
    const start = this.indexAt(Math.max(0, top - overscan));
    const end = Math.min(n, this.indexAt(top + height + overscan) + 1);
    return [start, end];
  }
}

/**
 * Anchor keeps the reader's place: the row at the top of the viewport and
 * how far the viewport's top is into it. After rows are added above it, or
 * heights above it change, the scroll position that keeps the row where the
 * reader saw it is offset(row) + delta.
 */
export interface Anchor<K> {
  key: K;
  delta: number;
}

/** anchorAt returns the anchor of a viewport whose top is at scrollTop. */
export function anchorAt<K>(layout: Layout<K>, scrollTop: number): Anchor<K> | undefined {
  const keys = layout.keys;
  if (keys.length === 0) return undefined;
  const i = layout.indexAt(scrollTop);
  return { key: keys[i]!, delta: scrollTop - layout.offset(i) };
}

/** scrollTopFor returns the scroll position that keeps an anchor in place, or undefined when its row is gone. */
export function scrollTopFor<K>(layout: Layout<K>, anchor: Anchor<K>): number | undefined {
  const i = layout.indexOf(anchor.key);
  if (i < 0) return undefined;
  return layout.offset(i) + anchor.delta;
}
