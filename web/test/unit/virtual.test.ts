import { describe, expect, it } from "vitest";
import { anchorAt, Layout, scrollTopFor } from "../../src/lib/virtual.js";

describe("Layout", () => {
  it("places rows at their measured heights, estimating the others", () => {
    const l = new Layout<number>(50);
    l.setKeys([1, 2, 3, 4]);
    expect(l.total).toBe(200);
    expect(l.measure(2, 20)).toBe(true);
    expect(l.measure(2, 20)).toBe(false);
    l.place();
    expect([l.offset(0), l.offset(1), l.offset(2), l.offset(3), l.offset(4)]).toEqual([0, 50, 70, 120, 170]);
    expect(l.total).toBe(170);
  });

  it("finds the row at a height", () => {
    const l = new Layout<number>(10);
    l.setKeys([1, 2, 3]);
    expect([l.indexAt(-5), l.indexAt(0), l.indexAt(9.9), l.indexAt(10), l.indexAt(29), l.indexAt(500)]).toEqual([0, 0, 0, 1, 2, 2]);
  });

  it("draws only the rows in and near the viewport, of ten thousand", () => {
    const l = new Layout<number>(40);
    l.setKeys(Array.from({ length: 10_000 }, (_, i) => i + 1));
    const [start, end] = l.range(200_000, 800, 400);
    expect(start).toBe(Math.floor((200_000 - 400) / 40));
    expect(end - start).toBeLessThanOrEqual(Math.ceil((800 + 800) / 40) + 2);
    expect(l.range(0, 800, 400)[0]).toBe(0);
    expect(l.range(l.total - 800, 800, 400)[1]).toBe(10_000);
  });

  it("keeps the reader's row in place when older rows are added above it", () => {
    const l = new Layout<number>(30);
    l.setKeys([10, 11, 12, 13]);
    const a = anchorAt(l, 45)!;
    expect(a).toEqual({ key: 11, delta: 15 });
    l.setKeys([7, 8, 9, 10, 11, 12, 13]);
    expect(scrollTopFor(l, a)).toBe(45 + 90);
    l.measure(8, 100);
    l.place();
    expect(scrollTopFor(l, a)).toBe(45 + 90 + 70);
    l.setKeys([12, 13]);
    expect(scrollTopFor(l, a)).toBeUndefined();
  });
});
