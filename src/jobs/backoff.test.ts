import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_BACKOFF_MS, retryDelayMs } from "./backoff.js";

describe("retryDelayMs", () => {
  it("waits between half and all of the doubling, up to the job's longest wait", () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((k) => retryDelayMs(1000, k, low))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((k) => retryDelayMs(1000, k, high))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(1000, 10, high, 5000)).toBe(5000);
    expect(retryDelayMs(1000, 10, low, 5000)).toBe(2500);
    expect(retryDelayMs(1000, 60, high)).toBe(DEFAULT_MAX_BACKOFF_MS);
  });
});
