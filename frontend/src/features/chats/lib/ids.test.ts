import { describe, expect, it } from "vitest";

import { newIdempotencyKey } from "./ids";

describe("newIdempotencyKey", () => {
  it("uses randomUUID when there is one", () => {
    expect(newIdempotencyKey({ randomUUID: () => "u-1", getRandomValues: (a: Uint8Array) => a } as never)).toBe("u-1");
  });

  it("builds a v4 UUID from random bytes otherwise", () => {
    const source = {
      getRandomValues: <T extends ArrayBufferView | null>(array: T) => {
        (array as unknown as Uint8Array).fill(255);
        return array;
      },
    };
    const key = newIdempotencyKey(source);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("differs per call", () => {
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });
});
