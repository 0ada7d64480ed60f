// Composition root shared by main.ts and the end-to-end tests: given a database, a clock and a
// logger, it builds the job registry and runner, every domain module and the HTTP app. Nothing
// here performs I/O until start().
import type { Actor } from "./auth/actor.js";
import type { Logger } from "pino";
import { createApp, type App } from "./app.js";
import { createAuth, type AuthModule, type LoginOptions } from "./auth/index.js";
import type { Clock } from "./clock.js";
import type { Role } from "./config.js";
import type { Database } from "./db/client.js";
import { CLASSIFICATION_SCHEDULES, createClassification, type ClassificationModule } from "./classification/index.js";
import { createExchange, EXCHANGE_SCHEDULES, type ExchangeModule } from "./exchange/index.js";
import { createOutbound, type OutboundModule, type OutboundOptions } from "./exchange/outbound/index.js";
import { createSandbox, currentPolicy, type SandboxModule } from "./sandbox/index.js";
import { createMonitoring, MONITORING_SCHEDULES, type MonitoringModule } from "./monitoring/index.js";
import { createNotices, DEFAULT_NOTICE_OPTIONS, NOTICE_SCHEDULES, type NoticeOptions, type NoticesModule } from "./notices/index.js";
import { createJobs, JobRegistry, type JobEventListener, type Jobs } from "./jobs/index.js";
import { inspectionHandlers } from "./inspections/index.js";
import { auditHeadSchedules, createAuditHeads, type AuditHeads } from "./audit/head-module.js";
import { relationshipTags, screeningHandlers, writeEntityTags, writeRelationshipTags } from "./screening/index.js";
import { merchantRestoration, restorationHandlers } from "./restoration/index.js";
import type { BodyTimeouts } from "./http/body.js";
import { STRICT_OUTBOUND_POLICY } from "./http/outbound-address.js";
import { loadSpec } from "./http/spec.js";
import { SpecValidator } from "./http/validation.js";
import type { ServiceDeps } from "./services.js";

export interface SystemOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  issuer: string;
  bodyLimitBytes: number;
  /** How slowly a request body may arrive (config's HTTP_BODY_*); unset, no limit. */
  bodyTimeouts?: BodyTimeouts;
  role: Role;
  redisUrl: string | undefined;
  workerConcurrency: number;
  dataDir: string;
  keyEncryptionKey: string | undefined;
  /** The operator credential for /metrics and readiness details; unset, metrics are off. */
  metricsToken?: string | undefined;
  /** Redis key prefix for Bull and the login throttle (tests give each file its own). */
  bullPrefix?: string;
  /** Login throttling and password-hashing limits, and the trusted proxy header. */
  login?: LoginOptions;
  onJobEvent?: JobEventListener;
  /** Webhook retry policy / timeout (tests shorten them), destination policy and resolver. */
  outbound?: OutboundOptions;
  /** Notice periods and delivery retries (config's NOTICE_*; tests shorten them). */
  notices?: Partial<NoticeOptions>;
  /** How long a rescore request waits for more of its entity's (config's RESCORE_COALESCE_MS); absent or 0: none. */
  rescoreCoalesceMs?: number;
  /** How often the audit chain's head is signed (config's AUDIT_HEAD_INTERVAL_MINUTES); absent or 0: never by schedule. */
  auditHeadIntervalMs?: number;
}

export interface System {
  app: App;
  jobs: Jobs;
  registry: JobRegistry;
  deps: ServiceDeps;
  auth: AuthModule;
  outbound: OutboundModule;
  exchange: ExchangeModule;
  classification: ClassificationModule;
  monitoring: MonitoringModule;
  sandbox: SandboxModule;
  notices: NoticesModule;
  auditHeads: AuditHeads;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildSystem(o: SystemOptions): System {
  const registry = new JobRegistry();
  const jobs = createJobs({
    db: o.db,
    clock: o.clock,
    registry,
    redisUrl: o.redisUrl,
    role: o.role,
    concurrency: o.workerConcurrency,
    schedules: [...EXCHANGE_SCHEDULES, ...CLASSIFICATION_SCHEDULES, ...MONITORING_SCHEDULES, ...NOTICE_SCHEDULES, ...auditHeadSchedules(o.auditHeadIntervalMs ?? 0)],
    logger: o.logger.child({ component: "jobs" }),
    ...(o.onJobEvent ? { onEvent: o.onJobEvent } : {}),
    ...(o.bullPrefix ? { bullPrefix: o.bullPrefix } : {}),
  });
  const deps: ServiceDeps = {
    db: o.db,
    clock: o.clock,
    logger: o.logger,
    enqueue: jobs.enqueue,
    enqueueMany: jobs.enqueueMany,
    kick: () => jobs.runner.kick(),
    issuer: o.issuer,
    embedded: o.db.kind === "pglite",
    dataDir: o.dataDir,
    keyEncryptionKey: o.keyEncryptionKey,
    redisUrl: o.redisUrl,
    webhookPolicy: o.outbound?.webhookPolicy ?? STRICT_OUTBOUND_POLICY,
  };
  const auth = createAuth({
    ...deps,
    login: { ...o.login, ...(o.bullPrefix ? { redisPrefix: `${o.bullPrefix}:login:` } : {}) },
    // Late-bound: the outbound module needs auth's signer, auth's key verbs need its publish path.
    publish: (on, messages) => outbound.publish(on, messages),
  });
  const outbound = createOutbound({ ...deps, signer: auth.signer, ...o.outbound });
  // The spec is parsed and compiled once: the app validates requests with it, the exchange
  // validates batch records one by one with the same compiled schemas.
  const spec = loadSpec();
  const validator = new SpecValidator(spec);
  const exchange = createExchange({ ...deps, signer: auth.signer, publish: outbound.publish, validator });
  // Monitoring rules and the warning library, and the sandbox fence: both evaluate the entities
  // classification has just (re)classified, in its transaction — rules first, so the fence sees
  // the warnings they raise. Notices are issued from monitoring's warning.raised jobs; an
  // accepted rectification closes its warning; escalated cases count against the entity at the
  // fence. A first class is checked back over the fence's minimum time in class.
  const notices = createNotices({
    ...deps,
    signer: auth.signer,
    publish: outbound.publish,
    options: { ...DEFAULT_NOTICE_OPTIONS, ...o.notices },
    closeWarnings: (tx, ids, close) => monitoring.closeWarnings(tx, ids, close),
    restoration: (actor) => merchantRestoration(restorationDeps(actor)),
  });
  const restorationDeps = (actor?: Actor) => ({
    ...deps,
    actor,
    publishToEntityPlatforms: outbound.publishToEntityPlatforms,
    overdueRectifications: notices.overdueRectifications,
  });
  const monitoring = createMonitoring({ ...deps, publishToEntityPlatforms: outbound.publishToEntityPlatforms, onWarningRaised: notices.onWarningRaised });
  const sandbox = createSandbox({
    ...deps,
    publishToEntityPlatforms: outbound.publishToEntityPlatforms,
    overdueRectifications: notices.overdueRectifications,
  });
  const classification = createClassification({
    ...deps,
    coalesceMs: o.rescoreCoalesceMs ?? 0,
    publishToEntityPlatforms: outbound.publishToEntityPlatforms,
    heldLookbackDays: async (on) => (await currentPolicy(on)).policy.admission.minDaysInClass,
    relationshipReaders: { recorded: relationshipTags, record: writeRelationshipTags, rulesReadChange: monitoring.rulesReadChange },
    afterClassify: async (tx, input) => {
      // The screening tags first: the indicators just computed, for screenings to filter on.
      await writeEntityTags(tx, input);
      await monitoring.evaluate(tx, input);
      await sandbox.evaluate(tx, input);
    },
  });
  const auditHeads = createAuditHeads({ db: o.db, clock: o.clock, signer: auth.signer, logger: o.logger.child({ component: "audit" }) });
  auditHeads.register(registry);
  outbound.register(registry);
  exchange.register(registry);
  classification.register(registry);
  monitoring.register(registry);
  sandbox.register(registry);
  notices.register(registry);

  const app = createApp({
    spec,
    validator,
    db: o.db,
    jobs: jobs.runner,
    logger: o.logger,
    bodyLimitBytes: o.bodyLimitBytes,
    ...(o.bodyTimeouts ? { bodyTimeouts: o.bodyTimeouts } : {}),
    metricsToken: o.metricsToken,
    parts: {
      handlers: { ...auth.handlers, ...outbound.handlers, ...exchange.handlers, ...classification.handlers, ...monitoring.handlers, ...sandbox.handlers, ...notices.handlers, ...screeningHandlers(deps), ...inspectionHandlers(deps), ...auditHeads.handlers,
        ...restorationHandlers(restorationDeps()),
      },
      authenticators: { ...auth.authenticators, ...notices.authenticators },
      bodyVerifier: auth.bodyVerifier,
      afterAuthenticate: exchange.afterAuthenticate,
      aroundHandler: exchange.aroundHandler,
    },
  });
  return {
    app,
    jobs,
    registry,
    deps,
    auth,
    outbound,
    exchange,
    classification,
    monitoring,
    sandbox,
    notices,
    auditHeads,
    async start() {
      await auth.start();
      await classification.start();
      await monitoring.start();
      await sandbox.start();
      await notices.start();
      await jobs.start();
    },
    async stop() {
      await jobs.stop();
      await exchange.stop();
      await auth.stop();
    },
  };
}
