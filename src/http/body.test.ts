// A request body must keep coming: one that pauses longer than the idle limit, or crawls below
// the minimum rate once the grace has passed, is a 408 REQUEST_TIMEOUT; a steady one is read whole.
import { describe, expect, it } from "vitest";
import { readBody, type BodyTimeouts } from "./body.js";
import { AppError } from "./errors.js";

/** A request whose body is `pieces` bytes each, one every `everyMs`. */
function trickled(pieces: number, bytes: number, everyMs: number, pauseAfter?: { piece: number; ms: number }): Request {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === pieces) return controller.close();
      const wait = everyMs + (pauseAfter && sent === pauseAfter.piece ? pauseAfter.ms : 0);
      await new Promise((r) => setTimeout(r, wait));
      sent++;
      controller.enqueue(new Uint8Array(bytes).fill(0x61));
    },
  });
  return new Request("http://gateway.test/v1/events/batch", { method: "POST", body, duplex: "half" } as RequestInit);
}

async function outcome(req: Request, timeouts: BodyTimeouts): Promise<number | string> {
  try {
    return (await readBody(req, 1 << 20, timeouts)).byteLength;
  } catch (err) {
    return err instanceof AppError ? `${err.status} ${err.code} ${err.extra.headers?.Connection}` : String(err);
  }
}

describe("readBody's pace", () => {
  it("reads a body that keeps up whole", async () => {
    expect(await outcome(trickled(10, 1000, 10), { idleMs: 200, minBytesPerSecond: 1000 })).toBe(10_000);
  });

  it("answers 408 (closing the connection) when the body pauses longer than the idle limit", async () => {
    expect(await outcome(trickled(5, 1000, 10, { piece: 2, ms: 400 }), { idleMs: 200, minBytesPerSecond: 0 })).toBe("408 REQUEST_TIMEOUT close");
  });

  it("answers 408 when the body crawls below the minimum rate once the grace has passed", async () => {
    // 100 bytes every 20 ms = 5 KB/s, never idle for 150 ms, but below 50 KB/s.
    const started = performance.now();
    expect(await outcome(trickled(100, 100, 20), { idleMs: 150, minBytesPerSecond: 50_000 })).toBe("408 REQUEST_TIMEOUT close");
    expect(performance.now() - started).toBeLessThan(1_000);
    // The same crawl with no minimum rate is read whole.
    expect(await outcome(trickled(20, 100, 20), { idleMs: 150, minBytesPerSecond: 0 })).toBe(2_000);
  });
});
