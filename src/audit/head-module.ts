// Wiring of the signed audit heads: the schedule that signs the head periodically (interval
// from config, AUDIT_HEAD_INTERVAL_MINUTES; 0 = off), its job, and the admin API's handlers.
import type { Context } from "hono";
import type { Logger } from "pino";
import { actorOf, type Actor } from "../auth/actor.js";
import type { GatewaySigner } from "../auth/signer.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import { defineJob, type JobRegistry } from "../jobs/index.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import { listAuditHeads, signAuditHead, verifyAuditHead } from "./heads.js";

export const SIGN_HEAD_JOB = "audit.sign-head";
const SCHEDULE_ACTOR: Actor = { kind: "system", name: "audit-head-schedule" };

export interface AuditHeadsDeps {
  db: Database;
  clock: Clock;
  signer: Pick<GatewaySigner, "signCompact" | "jwks">;
  logger: Logger;
}

/** The schedule for an interval in ms (none when 0). */
export const auditHeadSchedules = (everyMs: number): ScheduleSpec[] =>
  everyMs > 0 ? [{ name: "audit-head-sign", job: SIGN_HEAD_JOB, everyMs }] : [];

export function createAuditHeads(deps: AuditHeadsDeps) {
  const ctx = (actor: Actor) => ({ db: deps.db, clock: deps.clock, signer: deps.signer, actor });
  const handlers: Handlers = {
    signAuditHead: async (c: Context<AppEnv>) => c.json(await signAuditHead(ctx(actorOf(c))), 201),
    listAuditHeads: async (c, input) => c.json(await listAuditHeads({ db: deps.db, actor: actorOf(c) }, input.query)),
    verifyAuditHead: async (c, input) => c.json(await verifyAuditHead(ctx(actorOf(c)), { jws: input.body.jws })),
  };
  return {
    handlers,
    sign: (actor: Actor) => signAuditHead(ctx(actor)),
    register(registry: JobRegistry) {
      registry.define(
        defineJob<Record<string, never>>({
          name: SIGN_HEAD_JOB,
          parse: () => ({}),
          async handle() {
            // A broken chain is an alarm for people, not something a retry fixes: logged, the job ends.
            try {
              const head = await signAuditHead(ctx(SCHEDULE_ACTOR));
              deps.logger.info({ seq: head.seq, kid: head.kid }, "audit head signed");
            } catch (err) {
              if (!(err instanceof AppError)) throw err; // e.g. the database is down: retried
              deps.logger.error({ code: err.code, detail: err.detail }, "audit head NOT signed");
            }
          },
        }),
      );
    },
  };
}

export type AuditHeads = ReturnType<typeof createAuditHeads>;
