// The whole city end to end: a synthetic Chengdu population (src/sim) sent through the signed API
// by five platforms — every merchant record and every event as a platform would send them — to
// a production deployment on this machine (one ROLE=api process, one ROLE=worker process,
// PostgreSQL + Redis), then one full reclassification run started through the regulator API.
// Reports wall time and rate per phase and the peak memory of every process.
//
//   npm run bench -- city [--entities 469000] [--start 2018-01-01] [--clients 5] [--batch 10000] [--no-run]
//                         [--keep] [--reuse bench_city_xxxxxxxx] [--backfill]
//   env BENCH_DATABASE_URL (admin URL; default postgres://postgres@127.0.0.1:54349/postgres),
//       BENCH_REDIS_URL (default redis://127.0.0.1:63819) — start them with
//       PG_PORT=54349 REDIS_PORT=63819 scripts/services.sh start /tmp/bench-svc
//       (with PG_STAT_STATEMENTS=1 the report also has each phase's statement times)
//       BENCH_CPU_PROF=DIR: a V8 CPU profile of the api and the worker process, written there on exit
//
// --start sets where the simulated history begins (so how many events each entity has: from
// 2018-01-01 about 105, i.e. ~49M events for 469k entities). The
// load generator streams the population: it never holds more than a few batches per platform.
// Rescoring runs in the worker while events arrive, as in production.
// --backfill: an admin opens a backfill for each platform before it sends (its batches then ask
// for no rescoring) and finishes them all together once everything is sent: one run over their
// entities, timed, before the full run.
// --keep leaves the database (and prints its name); --reuse NAME skips the ingestion and measures
// the full run and the bare pass again on a kept database (after a change to the engine).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair, type CryptoKey } from "jose";
import postgres from "postgres";
import { createPlatform } from "../src/auth/index.js";
import { createRegulatorUser } from "../src/auth/regulator-users.js";
import { systemClock } from "../src/clock.js";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { DAY_MS } from "../src/db/time.js";
import { generatePopulation, toApiEvent, toApiMerchant } from "../src/sim/index.js";
import { SIM_PLATFORMS } from "../src/sim/reference.js";
import { EVENT_LOOKBACK_DAYS } from "../src/scoring/index.js";
import { freePort } from "../test/support/net.js";
import { platformClient } from "./support/platform-client.js";
import { StatementSampler } from "./support/statement-sampler.js";
import { statementTotals } from "./support/statement-totals.js";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:54349/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:63819";
const { values: args } = parseArgs({
  options: {
    entities: { type: "string", default: "469000" },
    start: { type: "string", default: "2018-01-01" },
    clients: { type: "string", default: "5" },
    batch: { type: "string", default: "10000" },
    "no-run": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    reuse: { type: "string" },
    backfill: { type: "boolean", default: false },
  },
});
const N = Number(args.entities);
const BATCH = Number(args.batch);
const MERCHANT_BATCH = Math.min(BATCH, 5000);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const mb = (kb: number) => Math.round(kb / 1024);

/** A process's private (anonymous) resident memory in kB: shared buffers not counted; 0 once it is gone. */
function anonKb(pid: number): number {
  try {
    return Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Peak RSS (VmHWM) of a process, in kB; 0 once it is gone. */
function peakKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The benchmark cluster's processes: its postmaster (set in main) and the postmaster's children. */
let postmaster = 0;
function postgresPids(): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return pid === postmaster || Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) === postmaster;
    } catch {
      return false;
    }
  });
}

/** PostgreSQL's CPU: the live processes', and the backends' that have exited (the postmaster reaps them). */
function postgresCpuSeconds(): number {
  return postgresPids().reduce((s, p) => s + cpuSecondsOf(p, p === postmaster), 0);
}

function cpuSecondsOf(pid: number, withExitedChildren = false): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12]) + (withExitedChildren ? Number(f[13]) + Number(f[14]) : 0)) / 100;
  } catch {
    return 0;
  }
}

async function gatewayProcess(env: Record<string, string>, role: "api" | "worker"): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The worker says it has started at level info; the api's request logs stay off (warn).
  const level = role === "worker" ? "info" : "warn";
  const child = spawn(process.execPath, ["--import", "tsx", ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "src/main.ts"], { env: { ...process.env, ...env, ROLE: role, PORT: String(port), ISSUER: url, LOG_LEVEL: level }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const check = (d: Buffer) => {
      out += d.toString();
      if (role === "api" ? /listening on/.test(out) : /worker started/.test(out)) resolve();
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", (code) => reject(new Error(`${role} exited (${code}): ${out.slice(-2000)}`)));
  });
  child.stdout!.removeAllListeners("data").resume();
  child.stderr!.on("data", (d: Buffer) => /"level":(50|60)/.test(d.toString()) && process.stderr.write(`[${role}] ${d}`));
  return { child, url };
}

/** One platform's sender: batches go out in order (a shop's record before its events), `clients` at most in flight in all. */
class Sender {
  private merchants: unknown[] = [];
  private events: unknown[] = [];
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  accepted = { merchants: 0, events: 0 };
  constructor(private readonly post: (path: string, body: string) => Promise<{ accepted: number }>) {}

  addMerchant(r: unknown) {
    this.merchants.push(r);
    if (this.merchants.length >= MERCHANT_BATCH) this.flushMerchants();
  }
  addEvent(e: unknown) {
    this.events.push(e);
    if (this.events.length >= BATCH) {
      this.flushMerchants();
      this.enqueue("/v1/events/batch", this.events, "events");
      this.events = [];
    }
  }
  flushAll() {
    this.flushMerchants();
    if (this.events.length > 0) this.enqueue("/v1/events/batch", this.events, "events");
    this.events = [];
    return this.chain;
  }
  backlog() {
    return this.queued;
  }
  drained() {
    return this.chain;
  }
  private flushMerchants() {
    if (this.merchants.length > 0) this.enqueue("/v1/merchants/batch", this.merchants, "merchants");
    this.merchants = [];
  }
  private enqueue(path: string, records: unknown[], kind: "merchants" | "events") {
    const body = JSON.stringify({ records });
    this.queued++;
    this.chain = this.chain.then(async () => {
      const r = (await this.post(path, body)) as { accepted: number; duplicates?: number; rejected?: number };
      // A shop's later record may repeat an earlier one (a duplicate): nothing may be rejected.
      if (r.rejected !== 0 || r.accepted + (r.duplicates ?? 0) !== records.length) {
        const codes = new Map<string, number>();
        for (const x of (r as unknown as { results: Array<{ error?: { code: string; message: string } }> }).results) if (x.error) codes.set(`${x.error.code}: ${x.error.message.slice(0, 80)}`, (codes.get(x.error.code) ?? 0) + 1);
        throw new Error(`${path}: accepted ${r.accepted} of ${records.length}: ${JSON.stringify([...codes]).slice(0, 1000)}`);
      }
      this.accepted[kind] += r.accepted;
      this.queued--;
    });
  }
}

/** Two bare passes: every event row, and the rows a run reads (those inside the lookback). */
async function barePasses(sql: postgres.Sql): Promise<{ allRowsSeconds: number; lookbackSeconds: number; lookbackRows: number }> {
  const t0 = performance.now();
  await sql`select kind, count(*), sum(octet_length(data::text)), max(occurred_at) from event group by kind`;
  const allRowsSeconds = +seconds(t0).toFixed(1);
  const t1 = performance.now();
  const since = new Date(Date.now() - EVENT_LOOKBACK_DAYS * DAY_MS);
  const [r] = await sql`select count(*)::int as n, sum(octet_length(data::text)), max(occurred_at) from event where occurred_at >= ${since}`;
  return { allRowsSeconds, lookbackSeconds: +seconds(t1).toFixed(1), lookbackRows: r!.n as number };
}

async function main(): Promise<void> {
  const reuse = args.reuse;
  if (reuse !== undefined && !/^bench_city_[0-9a-f]{8}$/.test(reuse)) throw new Error(`--reuse takes a kept database's name: ${reuse}`);
  const name = reuse ?? `bench_city_${randomBytes(4).toString("hex")}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  if (reuse === undefined) await admin.unsafe(`create database ${name}`);
  const [dir] = await admin.unsafe(`select setting from pg_settings where name = 'data_directory'`);
  postmaster = Number(readFileSync(join(dir!.setting as string, "postmaster.pid"), "utf8").split("\n")[0]);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const db = await openDatabase({ kind: "postgres", url: dbUrl.toString(), maxConnections: 2 });
  await migrate(db); // on a kept database: the engine's newer migrations
  const dataDir = mkdtempSync(join(tmpdir(), "csg-city-"));
  const password = randomBytes(18).toString("base64url");
  const adminName = `bench-admin-${randomBytes(3).toString("hex")}`;
  const cli = { db, clock: systemClock, actor: { kind: "cli" as const } };
  await createRegulatorUser(cli, { username: adminName, displayName: "bench", role: "admin", regionPrefix: "", password });
  const keys = new Map<string, { clientId: string; platformId: string; key: CryptoKey }>();
  for (const p of reuse === undefined ? SIM_PLATFORMS : []) {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const created = await createPlatform(cli, { name: p.id, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: `${p.id}-1`, alg: "ES256", use: "sig" }] } });
    keys.set(p.id, { clientId: created.clientId, platformId: created.platformId, key: privateKey });
  }
  await db.close();

  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    // Derived from the database's name (a throwaway benchmark database), so --reuse opens the
    // gateway keys a first run stored.
    KEY_ENCRYPTION_KEY: createHash("sha256").update(`csg-bench-kek:${name}`).digest("base64"),
    DATA_DIR: dataDir,
  };
  await flushRedis(); // the benchmark's own Redis: no queue left over from an earlier run
  const api = await gatewayProcess(env, "api");
  const worker = await gatewayProcess(env, "worker");
  console.error(`gateway: api ${api.url} (pid ${api.child.pid}), worker pid ${worker.child.pid}, database ${name}`);
  // PostgreSQL: shared buffers are counted once (the setting); what its processes hold privately
  // is sampled (the largest single process, and all of them together at one instant).
  const pg = { largest: 0, together: 0 };
  const samplePostgres = () => {
    const each = postgresPids().map(anonKb);
    pg.largest = Math.max(pg.largest, ...each);
    pg.together = Math.max(pg.together, each.reduce((a, b) => a + b, 0));
  };
  const sampler = setInterval(samplePostgres, 1000);
  const cpu0 = { api: cpuSecondsOf(api.child.pid!), worker: cpuSecondsOf(worker.child.pid!), pg: postgresCpuSeconds() };
  // The rescore coalescing window the gateway processes run with (RESCORE_COALESCE_MS, inherited).
  const rescoreCoalesceMs = loadConfig({ RESCORE_COALESCE_MS: process.env.RESCORE_COALESCE_MS }).rescoreCoalesceMs;
  const report: Record<string, unknown> = { entities: N, start: args.start, batch: BATCH, rescoreCoalesceMs, backfill: args.backfill };
  const login = await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: adminName, password }) });
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  try {
    const sql = postgres(dbUrl.toString(), { max: 1, onnotice: () => {} });
    // Where PostgreSQL's time goes, phase by phase: a sampling profile of its running statements.
    const sampling = postgres(dbUrl.toString(), { max: 1, onnotice: () => {} });
    const statements: Record<string, unknown> = {};
    report.postgresStatements = statements;
    // And, when the cluster preloads pg_stat_statements, the time of each statement per phase.
    const totals = await statementTotals(sampling, name);
    const statementTime: Record<string, unknown> = {};
    if (totals) report.postgresStatementTime = statementTime;
    const profiled = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
      const sampler = new StatementSampler(sampling, name);
      await totals?.reset();
      sampler.start();
      try {
        return await work();
      } finally {
        statements[phase] = sampler.stop(3).slice(0, 12).map((x) => `${x.percent}% ${x.state}: ${x.statement}`);
        if (totals) statementTime[phase] = await totals.read(15);
      }
    };
    if (reuse === undefined) {
      if (args.backfill) for (const k of keys.values()) await backfillAction(api.url, auth, k.platformId, "start");
      await ingest(api.url, keys, report, sql, profiled);
      if (args.backfill) await profiled("backfillRun", () => finishBackfills(api.url, auth, keys, report, sql));
    }
    // 3. One full run through the regulator API, executed by the worker, once the side effects
    //    still due (notices for warnings, delivery checks) are done: the run gets the machine.
    const tSettle = performance.now();
    await profiled("settle", async () => {
      for (;;) {
        const [r] = await sql`select count(*)::int as n from outbox where status in ('pending', 'dispatched') and run_at <= now() and job <> 'schedule.tick'`;
        if (r!.n === 0) break;
        await new Promise((res) => setTimeout(res, 2000));
      }
    });
    report.backlogSettledSeconds = +seconds(tSettle).toFixed(1);
    // Bare passes before the run as well: the first pass over 26 GB finds a cold cache, the
    // second a warm one, and the run should be compared with both.
    report.barePassBefore = await barePasses(sql);
    if (!args["no-run"]) {
      const t2 = performance.now();
      await profiled("fullRun", async () => {
        const started = await fetch(`${api.url}/v1/regulator/reclassifications`, { method: "POST", headers: { ...auth, "idempotency-key": randomBytes(8).toString("hex") }, body: JSON.stringify({ reason: "city bench" }) });
        if (started.status !== 202) throw new Error(`start run: ${started.status} ${await started.text()}`);
        const { runId } = (await started.json()) as { runId: string };
        const { run, stagingSeconds } = await runDone(api.url, auth, runId);
        report.fullRun = { status: run.status, seconds: +seconds(t2).toFixed(1), stagingSecondsAbout: stagingSeconds, entities: run.processed, entitiesPerSecond: Math.round(run.processed / seconds(t2)) };
      });
    }
    report.barePass = await barePasses(sql); // after the run too: the cache as the run left it
    const [{ shared_buffers: sharedBuffers }] = (await sql`select current_setting('shared_buffers') as shared_buffers`) as unknown as [{ shared_buffers: string }];
    const [classes] = await sql`select count(*) filter (where risk_class = 'A')::int as a, count(*) filter (where risk_class = 'B')::int as b,
      count(*) filter (where risk_class = 'C')::int as c, count(*) filter (where risk_class = 'D')::int as d, count(*)::int as total from entity`;
    report.classes = classes;
    await sql.end();
    await sampling.end();
    samplePostgres();
    const redisPeak = await redisPeakMb();
    report.peakMemoryMb = {
      api: mb(peakKb(api.child.pid!)),
      worker: mb(peakKb(worker.child.pid!)),
      loadGenerator: mb(process.resourceUsage().maxRSS),
      postgresSharedBuffers: sharedBuffers,
      postgresPrivateLargestProcess: mb(pg.largest),
      postgresPrivateAllProcesses: mb(pg.together),
      redisUsedPeak: redisPeak,
    };
    report.cpuSeconds = {
      api: +(cpuSecondsOf(api.child.pid!) - cpu0.api).toFixed(0),
      worker: +(cpuSecondsOf(worker.child.pid!) - cpu0.worker).toFixed(0),
      postgres: +(postgresCpuSeconds() - cpu0.pg).toFixed(0),
      loadGenerator: +((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(0),
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    clearInterval(sampler);
    for (const p of [api.child, worker.child]) p.kill("SIGTERM");
    await Promise.all([api.child, worker.child].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
    if (args.keep || reuse !== undefined) console.error(`database kept: ${name} (--reuse ${name})`);
    else await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Profiled = <T>(phase: string, work: () => Promise<T>) => Promise<T>;
type Auth = Record<string, string>;

/** Polls a run until it has finished; staging (one pass over the event rows) ends when its first chunk is committed. */
async function runDone(apiUrl: string, auth: Auth, runId: string): Promise<{ run: { status: string; processed: number }; stagingSeconds: number | undefined }> {
  const t0 = performance.now();
  let run = { status: "pending", processed: 0 };
  let stagingSeconds: number | undefined;
  while (run.status !== "done" && run.status !== "failed") {
    await new Promise((res) => setTimeout(res, 1000));
    run = (await (await fetch(`${apiUrl}/v1/regulator/reclassifications/${runId}`, { headers: auth })).json()) as typeof run;
    if (stagingSeconds === undefined && run.processed > 0) stagingSeconds = +seconds(t0).toFixed(1);
  }
  return { run, stagingSeconds };
}

async function backfillAction(apiUrl: string, auth: Auth, platformId: string, action: "start" | "finish"): Promise<{ runId: string | null }> {
  const res = await fetch(`${apiUrl}/v1/regulator/platforms/${platformId}/backfill/${action}`, { method: "POST", headers: auth, body: JSON.stringify({ reason: "city bench" }) });
  if (res.status !== 200) throw new Error(`backfill ${action}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { runId: string | null };
}

/** Finishes every platform's backfill together and waits for the one run that starts. */
async function finishBackfills(apiUrl: string, auth: Auth, keys: Map<string, { platformId: string }>, report: Record<string, unknown>, sql: postgres.Sql): Promise<void> {
  const t0 = performance.now();
  const platformIds = [...keys.values()].map((k) => k.platformId);
  const res = await fetch(`${apiUrl}/v1/regulator/platform-backfills/finish`, { method: "POST", headers: auth, body: JSON.stringify({ platformIds, reason: "city bench" }) });
  if (res.status !== 200) throw new Error(`finish backfills: ${res.status} ${await res.text()}`);
  const { runId } = (await res.json()) as { runId: string };
  const { run, stagingSeconds } = await runDone(apiUrl, auth, runId);
  report.backfillRun = { status: run.status, entities: run.processed, seconds: +seconds(t0).toFixed(1), relinkAndStagingSecondsAbout: stagingSeconds };
  console.error(JSON.stringify(report.backfillRun));
  report.afterBackfillRun = await effects(sql);
}

/** What users see after a phase: warnings, notices, the sandbox, classifications by trigger. */
async function effects(sql: postgres.Sql): Promise<Record<string, unknown>> {
  const [row] = await sql`select (select count(*) from warning)::int as warnings, (select count(*) from notice)::int as notices,
    (select count(*) from sandbox_membership where status = 'inside')::int as "inSandbox",
    (select count(*) from classification where trigger = 'event')::int as "classificationsByRescores",
    (select count(*) from classification where trigger = 'run')::int as "classificationsByRuns"`;
  return row!;
}

/** 1. The population streamed through the signed API, one sender per platform, a bounded backlog; 2. the rescore drain. */
async function ingest(apiUrl: string, keys: Map<string, { clientId: string; platformId: string; key: CryptoKey }>, report: Record<string, unknown>, sql: postgres.Sql, profiled: Profiled): Promise<void> {
  const senders = new Map<string, Sender>();
  for (const [id, k] of keys) {
    const c = platformClient(apiUrl, k.clientId, `${id}-1`, k.key);
    senders.set(id, new Sender((path, body) => c.post(path, body)));
  }
  const maxBacklog = Math.max(2, Number(args.clients));
  const t0 = performance.now();
  const now = Date.now();
  let entities = 0;
  let events = 0;
  await profiled("ingestion", async () => {
    for (const cluster of generatePopulation({ entities: N, seed: 7, start: args.start, cutDates: ["2025-11-20"], horizonDays: 365 })) {
      for (const sim of cluster.entities) {
        for (const m of sim.merchants) senders.get(m.platformId)!.addMerchant(toApiMerchant(m.record));
        for (const x of sim.events) {
          // A platform sends what has happened, and the serious-violation list (it forces D) is
          // the regulator's own source, not a platform's: as the demo's platforms do.
          if (Date.parse(x.event.occurredAt) > now) continue;
          const api = toApiEvent(x.event);
          senders.get(x.platformId)!.addEvent(api.kind === "violation_confirmed" ? { ...api, data: { ...api.data, serious: false } } : api);
          events++;
        }
        entities++;
      }
      // Backpressure: wait while any platform has more than a few batches queued.
      for (const s of senders.values()) while (s.backlog() > maxBacklog) await Promise.race([s.drained(), new Promise((r) => setTimeout(r, 50))]);
      if (entities % 20_000 < cluster.entities.length) {
        console.error(`sent ${entities.toLocaleString()} entities, ${events.toLocaleString()} events (${seconds(t0).toFixed(0)} s)`);
      }
    }
    await Promise.all([...senders.values()].map((s) => s.flushAll()));
  });
  const ingestS = seconds(t0);
  const accepted = [...senders.values()].reduce((a, s) => ({ merchants: a.merchants + s.accepted.merchants, events: a.events + s.accepted.events }), { merchants: 0, events: 0 });
  report.ingestion = { seconds: +ingestS.toFixed(1), entities, merchantRecords: accepted.merchants, events: accepted.events, eventsPerSecond: Math.round(accepted.events / ingestS) };
  console.error(JSON.stringify(report.ingestion));

  // 2. The rescoring the worker was asked for while events arrived, until the set is empty.
  const t1 = performance.now();
  let said = 0;
  await profiled("rescoreDrain", async () => {
    for (;;) {
      const [r] = await sql`select (select count(*) from rescore_pending)::int as pending,
        (select count(*) from outbox where job = 'classification.rescore' and status not in ('done','failed'))::int as jobs`;
      if (r!.pending === 0 && r!.jobs === 0) break;
      if (seconds(t1) - said >= 30) {
        said = seconds(t1);
        console.error(`waiting for rescoring: ${r!.pending} requests in the set, ${r!.jobs} drain jobs open (${said.toFixed(0)} s)`);
      }
      await new Promise((res) => setTimeout(res, 2000));
    }
  });
  report.rescoreDrainAfterIngestion = { seconds: +seconds(t1).toFixed(1) };
  report.afterIngestion = await effects(sql);
}

async function flushRedis(): Promise<void> {
  const { default: Redis } = await import("ioredis");
  const r = new Redis(REDIS_URL);
  await r.flushall();
  await r.config("RESETSTAT");
  r.disconnect();
}

async function redisPeakMb(): Promise<number | null> {
  const { default: Redis } = await import("ioredis");
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info("memory");
    const peak = /used_memory_peak:(\d+)/.exec(info)?.[1];
    return peak ? Math.round(Number(peak) / 1048576) : null;
  } finally {
    r.disconnect();
  }
}

await main();
