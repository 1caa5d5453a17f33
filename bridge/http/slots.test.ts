import { describe, expect, it } from "vitest";
import { createSlots } from "./slots.js";

describe("createSlots", () => {
  it("hands out at most max slots; the next caller gets undefined when its wait is over", async () => {
    const slots = createSlots(2);
    const first = await slots.acquire(10);
    const second = await slots.acquire(10);
    expect(first).toBeTypeOf("function");
    expect(second).toBeTypeOf("function");
    expect(await slots.acquire(20)).toBeUndefined();
    expect(slots.waiting()).toBe(0);
  });

  it("passes a released slot to the longest waiter", async () => {
    const slots = createSlots(1);
    const release = await slots.acquire(10);
    const order: string[] = [];
    const a = slots.acquire(1_000).then((got) => {
      order.push("a");
      return got;
    });
    const b = slots.acquire(1_000).then((got) => {
      order.push("b");
      return got;
    });
    release?.();
    (await a)?.();
    (await b)?.();
    expect(order).toEqual(["a", "b"]);
    expect(slots.held()).toBe(0);
  });

  it("frees one slot however often a release is called", async () => {
    const slots = createSlots(1);
    const release = await slots.acquire(10);
    release?.();
    release?.();
    expect(slots.held()).toBe(0);
    const again = await slots.acquire(10);
    expect(slots.held()).toBe(1);
    expect(await slots.acquire(10)).toBeUndefined();
    again?.();
  });
});
