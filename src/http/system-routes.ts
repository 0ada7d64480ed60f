// Operations endpoints: liveness, readiness, metrics, the spec and its rendered reference.
import type { Database } from "../db/client.js";
import type { JobRunner } from "../jobs/types.js";
import { docsAsset, docsHeaders, renderDocsPage } from "./docs.js";
import { AppError } from "./errors.js";
import type { HttpMetrics } from "./metrics.js";
import { hasOperatorCredential } from "./operator-credential.js";
import type { Handlers } from "./router.js";
import type { Spec } from "./spec.js";

export interface SystemDeps {
  db: Pick<Database, "ping">;
  jobs: Pick<JobRunner, "ping">;
  metrics: HttpMetrics;
  spec: Spec;
  /** The operator credential (METRICS_TOKEN); unset, readiness details are never shown. */
  metricsToken: string | undefined;
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
  const docsHtml = renderDocsPage(String((deps.spec.document.info as { title?: unknown } | undefined)?.title ?? "API"));
  return {
    getHealthz: (c) => c.json({ status: "ok" as const }),
    getReadyz: async (c) => {
      const [database, queue] = await Promise.all([check(() => deps.db.ping()), check(() => deps.jobs.ping())]);
      const ready = database.ok && queue.ok;
      const status = ready ? ("ready" as const) : ("unavailable" as const);
      // Load balancers need the status only; the failure details name hosts and drivers.
      const body = hasOperatorCredential(c, deps.metricsToken) ? { status, checks: { database, queue } } : { status };
      return c.json(body, ready ? 200 : 503, { "Cache-Control": "no-store" });
    },
    getMetrics: async (c) =>
      c.body(await deps.metrics.registry.metrics(), 200, { "Content-Type": deps.metrics.registry.contentType }),
    getOpenapi: (c) => c.body(specJson, 200, { "Content-Type": "application/json; charset=utf-8" }),
    getDocs: (c) => c.body(docsHtml, 200, docsHeaders("text/html; charset=utf-8")),
    getDocsAsset: async (c) => {
      const asset = docsAsset(c.req.param("file") ?? "");
      if (!asset) throw new AppError("NOT_FOUND", "no such documentation asset");
      // The bundle changes only with the installed renderer: cache it for a day.
      return c.body(new Uint8Array(await asset.body), 200, { ...docsHeaders(asset.contentType), "Cache-Control": "public, max-age=86400" });
    },
  };
}
