// The hashing gate: bounded work, bounded waiting, refusal beyond both.
import { describe, expect, it } from "vitest";
import { createHashingGate } from "./hashing-gate.js";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("hashing gate", () => {
  it("runs `concurrency` at once, queues `queue` more and refuses the rest with 503 and Retry-After", async () => {
    const gate = createHashingGate({ concurrency: 2, queue: 1 });
    const running: Array<() => void> = [];
    const job = () => gate.run(() => new Promise<string>((resolve) => running.push(() => resolve("done"))));
    const accepted = [job(), job(), job()];
    await tick();
    expect(running).toHaveLength(2);
    await expect(job()).rejects.toMatchObject({ code: "UNAVAILABLE", status: 503, extra: { headers: { "Retry-After": "1" } } });

    running.shift()!();
    await tick();
    expect(running).toHaveLength(2); // the queued one took the free place
    running.splice(0).forEach((finish) => finish());
    expect(await Promise.all(accepted)).toEqual(["done", "done", "done"]);
    // Capacity is back once the work is done.
    expect(await gate.run(async () => "again")).toBe("again");
  });
});
