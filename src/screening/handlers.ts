// The screening tool's operations: thin handlers, validated input -> verb -> response.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import type { ServiceDeps } from "../services.js";
import {
  countScreeningVerb, createSavedScreening, exportSavedScreening, getSavedScreening, listSavedScreenings, listScreeningItems,
  runSavedScreening, runScreeningVerb, type ScreeningContext,
} from "./verbs.js";

/** An async iterable of text as a byte stream: pulled chunk by chunk as the client reads. */
function textStream(lines: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const it = lines[Symbol.asyncIterator]();
  const enc = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(enc.encode(value));
    },
    async cancel() {
      await it.return?.();
    },
  });
}

export function screeningHandlers(deps: Pick<ServiceDeps, "db" | "clock">): Handlers {
  const ctx = (c: Context<AppEnv>): ScreeningContext => ({ db: deps.db, clock: deps.clock, actor: actorOf(c) });
  return {
    listScreeningItems: async (c) => c.json(listScreeningItems(ctx(c))),
    countScreening: async (c, input) => c.json(await countScreeningVerb(ctx(c), input.body)),
    runScreening: async (c, input) => c.json(await runScreeningVerb(ctx(c), input.body)),
    createSavedScreening: async (c, input) => c.json(await createSavedScreening(ctx(c), input.body), 201),
    listSavedScreenings: async (c, input) => c.json(await listSavedScreenings(ctx(c), input.query)),
    getSavedScreening: async (c, input) => c.json(await getSavedScreening(ctx(c), { screeningId: input.params.screeningId })),
    runSavedScreening: async (c, input) => c.json(await runSavedScreening(ctx(c), { screeningId: input.params.screeningId, ...(input.body ?? {}) })),
    exportSavedScreening: async (c, input) => {
      const out = await exportSavedScreening(ctx(c), { screeningId: input.params.screeningId });
      return new Response(textStream(out.lines), {
        status: 200,
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${out.filename}"`, "cache-control": "no-store" },
      });
    },
  };
}
