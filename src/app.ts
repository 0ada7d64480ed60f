// createApp(deps): the Hono app with every route mounted. No I/O here or at import time:
// the process entry (main.ts) and the tests build the dependencies and pass them in.
import { Hono } from "hono";
import type { Logger } from "pino";
import type { Clock } from "./clock.js";
import type { Database } from "./db/client.js";
import type { AppEnv } from "./http/context.js";
import { createMetrics, type HttpMetrics } from "./http/metrics.js";
import { notFound, onError, requestContext } from "./http/middleware.js";
import { mountOperations, type Authenticator, type BodyVerifier, type Handlers } from "./http/router.js";
import { loadSpec, type Spec } from "./http/spec.js";
import { systemHandlers } from "./http/system-routes.js";
import { SpecValidator } from "./http/validation.js";
import type { JobRunner } from "./jobs/types.js";

export interface AppDeps {
  db: Database;
  jobs: JobRunner;
  clock: Clock;
  logger: Logger;
  issuer: string;
  bodyLimitBytes: number;
  /** Parsed once per process; loaded from openapi/ when not given. */
  spec?: Spec;
}

export interface App {
  hono: Hono<AppEnv>;
  spec: Spec;
  metrics: HttpMetrics;
  fetch: (req: Request) => Promise<Response>;
}

export function createApp(deps: AppDeps): App {
  const spec = deps.spec ?? loadSpec();
  const validator = new SpecValidator(spec);
  const metrics = createMetrics(deps.jobs);
  const hono = new Hono<AppEnv>();
  hono.use("*", requestContext(deps.logger, metrics));
  hono.onError(onError);
  hono.notFound(notFound(spec));

  const handlers: Handlers = {
    ...systemHandlers({ db: deps.db, jobs: deps.jobs, metrics, spec }),
  };
  const authenticators: Record<string, Authenticator> = {};
  const bodyVerifier: BodyVerifier | undefined = undefined;
  mountOperations(hono, { spec, validator, handlers, authenticators, bodyVerifier, bodyLimitBytes: deps.bodyLimitBytes });
  return { hono, spec, metrics, fetch: async (req) => hono.fetch(req) };
}
