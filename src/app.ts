// createApp(deps): the Hono app with every route mounted. No I/O here or at import time:
// the composition root (system.ts) builds the domain modules and passes them in.
import { Hono } from "hono";
import type { Logger } from "pino";
import type { Database } from "./db/client.js";
import type { BodyTimeouts } from "./http/body.js";
import type { AppEnv } from "./http/context.js";
import { consoleHandlers } from "./http/console-static.js";
import { createMetrics, type HttpMetrics } from "./http/metrics.js";
import { notFound, onError, requestContext } from "./http/middleware.js";
import {
  mountOperations,
  type AfterAuthenticate,
  type AroundHandler,
  type Authenticator,
  type BodyVerifier,
  type Handlers,
} from "./http/router.js";
import { loadSpec, type Spec } from "./http/spec.js";
import { consoleDir } from "./paths.js";
import { operatorAuthenticator } from "./http/operator-credential.js";
import { systemHandlers } from "./http/system-routes.js";
import { SpecValidator } from "./http/validation.js";
import type { JobRunner } from "./jobs/types.js";

/** What the domains contribute to HTTP. */
export interface HttpParts {
  handlers: Handlers;
  authenticators: Record<string, Authenticator>;
  bodyVerifier?: BodyVerifier;
  afterAuthenticate?: AfterAuthenticate;
  aroundHandler?: AroundHandler;
}

export interface AppDeps {
  db: Pick<Database, "ping">;
  jobs: Pick<JobRunner, "ping" | "counts">;
  logger: Logger;
  bodyLimitBytes: number;
  /** How slowly a request body may arrive; unset, no limit. */
  bodyTimeouts?: BodyTimeouts;
  /** The operator credential for /metrics and readiness details (config's METRICS_TOKEN). */
  metricsToken: string | undefined;
  parts: HttpParts;
  /** Parsed once per process; loaded from openapi/ when not given. */
  spec?: Spec;
  /** Built from the spec when not given (tests share one). */
  validator?: SpecValidator;
  /** The regulator console's built files, served at /console (dist/console when not given). */
  consoleDir?: string;
}

export interface App {
  hono: Hono<AppEnv>;
  spec: Spec;
  validator: SpecValidator;
  metrics: HttpMetrics;
  /** `env` is what the server adapter passes (Node's incoming request: the client's socket address). */
  fetch: (req: Request, env?: unknown) => Promise<Response>;
}

export function createApp(deps: AppDeps): App {
  const spec = deps.spec ?? loadSpec();
  const validator = deps.validator ?? new SpecValidator(spec);
  const metrics = createMetrics(deps.jobs);
  const hono = new Hono<AppEnv>();
  hono.use("*", requestContext(deps.logger, metrics));
  hono.onError(onError);
  hono.notFound(notFound(spec));
  const { parts } = deps;
  mountOperations(hono, {
    spec,
    validator,
    handlers: {
      ...systemHandlers({ db: deps.db, jobs: deps.jobs, metrics, spec, metricsToken: deps.metricsToken }),
      ...consoleHandlers(deps.consoleDir ?? consoleDir()),
      ...parts.handlers,
    },
    authenticators: { ...parts.authenticators, operatorToken: operatorAuthenticator(deps.metricsToken) },
    ...(parts.bodyVerifier ? { bodyVerifier: parts.bodyVerifier } : {}),
    ...(parts.afterAuthenticate ? { afterAuthenticate: parts.afterAuthenticate } : {}),
    ...(parts.aroundHandler ? { aroundHandler: parts.aroundHandler } : {}),
    bodyLimitBytes: deps.bodyLimitBytes,
    ...(deps.bodyTimeouts ? { bodyTimeouts: deps.bodyTimeouts } : {}),
  });
  return { hono, spec, validator, metrics, fetch: async (req, env) => hono.fetch(req, env) };
}
