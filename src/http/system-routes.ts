// Operations endpoints: liveness, readiness, metrics, the spec and its rendered reference.
import type { Database } from "../db/client.js";
import type { JobRunner } from "../jobs/types.js";
import { renderDocs } from "./docs.js";
import type { HttpMetrics } from "./metrics.js";
import type { Handlers } from "./router.js";
import type { Spec } from "./spec.js";

export interface SystemDeps {
  db: Pick<Database, "ping">;
  jobs: Pick<JobRunner, "ping">;
  metrics: HttpMetrics;
  spec: Spec;
}

const READY_TIMEOUT_MS = 2_000;

async function check(fn: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function systemHandlers(deps: SystemDeps): Handlers {
  const specJson = JSON.stringify(deps.spec.document);
  const docsHtml = renderDocs(deps.spec);
  return {
    getHealthz: (c) => c.json({ status: "ok" as const }),
    getReadyz: async (c) => {
      const [database, queue] = await Promise.all([check(() => deps.db.ping()), check(() => deps.jobs.ping())]);
      const ready = database.ok && queue.ok;
      return c.json({ status: ready ? ("ready" as const) : ("unavailable" as const), checks: { database, queue } }, ready ? 200 : 503);
    },
    getMetrics: async (c) =>
      c.body(await deps.metrics.registry.metrics(), 200, { "Content-Type": deps.metrics.registry.contentType }),
    getOpenapi: (c) => c.body(specJson, 200, { "Content-Type": "application/json; charset=utf-8" }),
    getDocs: (c) => c.html(docsHtml),
  };
}
