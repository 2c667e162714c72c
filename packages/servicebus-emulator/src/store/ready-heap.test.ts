import { describe, expect, it } from "vitest";
import { ReadyHeap } from "./ready-heap.ts";

describe("ReadyHeap", () => {
  it("pops sequence numbers lowest first whatever the push order", () => {
    const heap = new ReadyHeap();
    const values = [5, 3, 9, 1, 7, 2, 8, 2, 6, 4];
    for (const value of values) heap.push(value);
    const popped: number[] = [];
    for (let value = heap.pop(); value !== undefined; value = heap.pop()) popped.push(value);
    expect(popped).toEqual([...values].sort((a, b) => a - b));
    expect(heap.size).toBe(0);
  });
});
