// Notices and rectification at Chengdu's scale (23k+ notices a year): what the regulator's
// figures and lists cost over several years of notices, what issuing one notice costs, and
// what the escalation sweep costs when many deadlines pass at once. Each figure comes with a
// baseline measured in the same run on the same rows:
//   - issuing (issueNotice: notice, case, deliveries, step, notice.issued per platform with a
//     signed merchant link, three delayed jobs) vs one bare INSERT of a notice row;
//   - figures (one statement) vs a bare count over the same notice x case join;
//   - a list page vs the same bare count.
//
//   npm run bench -- notices [--notices 100000] [--platforms 3] [--issue 500] [--overdue 2000]
//
// PostgreSQL when DATABASE_URL is set (a fresh database is created and dropped), else PGlite in
// memory. History is generated in SQL (not through the API): this measures the reads and verbs.
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { ManualClock } from "../src/clock.js";
import type { Database } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { escalateCase, overdueUnescalated } from "../src/notices/deadlines.js";
import { linkDeps } from "../src/notices/deps.js";
import { DEFAULT_NOTICE_OPTIONS, issueNotice } from "../src/notices/index.js";
import { noticeFigures } from "../src/notices/figures.js";
import { listRectifications } from "../src/notices/rectification-verbs.js";
import { benchSystem, openScratchDatabase } from "./support/scratch-database.js";

const DAY = 86_400_000;
const T = new Date("2026-06-15T00:00:00Z");
const DISTRICTS = ["510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116"];

async function time<T>(fn: () => Promise<T>, runs = 5): Promise<{ ms: number; value: T }> {
  let value = await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await fn();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  return { ms: times[Math.floor(times.length / 2)]!, value };
}

/** n entities with a shop on each platform, and `notices` notices over four years with cases and deliveries. */
async function load(db: Database, entities: number, platforms: number, notices: number): Promise<void> {
  for (let p = 0; p < platforms; p++) {
    await db.orm.execute(sql`insert into platform (id, name, client_id) values (gen_random_uuid(), ${`平台${p}`}, ${`bench-${p}`})`);
  }
  await db.orm.execute(sql`
    insert into entity (id, name, entity_type, region_code, address, category)
    select gen_random_uuid(), '商户' || g, 'enterprise', (${`{${DISTRICTS.join(",")}}`}::text[])[1 + g % ${DISTRICTS.length}], g || ' Bench Road', 'food'
    from generate_series(1, ${entities}) g`);
  await db.orm.execute(sql`
    insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, created_at)
    select gen_random_uuid(), p.id, e.id::text, e.id, e.name, e.category, e.region_code, e.address, '{}'::jsonb, '2022-01-01T00:00:00Z'
    from entity e cross join platform p`);
  // Notice i: issued over the four years before T; fates spread over the cases.
  await db.orm.execute(sql`
    with e as (select id, region_code, row_number() over (order by id) as k from entity),
    n as (
      insert into notice (id, notice_no, entity_id, source, region_code, template_key, template_version, title, body, legal_basis, facts,
                          rectify, issued_by, issued_at, due_at, link_expires_at, delivery_status, first_delivered_at, first_read_at)
      select gen_random_uuid(), 'bench-' || g, e.id, 'warning', e.region_code, 'warning.default', 1, '行政提示书', '正文', '依据', '事实', '整改',
             'system:bench', ts, ts + interval '15 days', ts + interval '45 days',
             case when g % 20 = 0 then 'undeliverable' when g % 3 = 0 then 'read' else 'delivered' end,
             case when g % 20 = 0 then null else ts + interval '1 hour' end, case when g % 3 = 0 then ts + interval '2 hours' end
      from generate_series(1, ${notices}) g
      cross join lateral (select ${T.toISOString()}::timestamptz - (g::bigint * ${Math.round((4 * 365 * DAY) / notices)}::bigint || ' milliseconds')::interval as ts) t
      join e on e.k = 1 + g % ${entities}
      returning id, entity_id, region_code, issued_at, due_at, notice_no
    ),
    c as (
      insert into rectification_case (id, notice_id, entity_id, region_code, rule_key, status, due_at, opened_at, acknowledged_at, submitted_at,
                                      accepted_at, decided_at, escalated_at, submissions, updated_at)
      select gen_random_uuid(), n.id, n.entity_id, n.region_code, 'complaints.storm_high_hazard', f.status, n.due_at, n.issued_at,
             n.issued_at + interval '1 day', case when f.status in ('submitted', 'accepted') then n.issued_at + interval '5 days' end,
             case when f.status = 'accepted' then n.issued_at + interval '8 days' end, case when f.status = 'accepted' then n.issued_at + interval '8 days' end,
             case when f.status = 'escalated' then n.due_at end, case when f.status in ('submitted', 'accepted') then 1 else 0 end, n.issued_at
      from n cross join lateral (select case when abs(hashtext(n.notice_no)) % 10 < 7 then 'accepted'
                                             when abs(hashtext(n.notice_no)) % 10 = 7 then 'escalated'
                                             when n.due_at > ${T.toISOString()}::timestamptz then 'acknowledged' else 'escalated' end as status) f
      returning notice_id
    )
    insert into notice_delivery (notice_id, platform_id, status, attempts, last_sent_at, delivered_at, read_at)
    select n.id, p.id, case when n.notice_no like '%0' then 'undeliverable' else 'delivered' end, 1, n.issued_at,
           case when n.notice_no like '%0' then null else n.issued_at + interval '1 hour' end, null
    from n cross join platform p`);
  await db.orm.execute(sql`analyze`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { notices: { type: "string", default: "100000" }, platforms: { type: "string", default: "3" }, issue: { type: "string", default: "500" }, overdue: { type: "string", default: "2000" } },
  });
  const [nNotices, nPlatforms, nIssue, nOverdue] = [Number(values.notices), Number(values.platforms), Number(values.issue), Number(values.overdue)];
  const { db, drop } = await openScratchDatabase("bench_notices");
  try {
    await migrate(db);
    const clock = new ManualClock(T);
    const system = benchSystem(db, clock);
    await system.auth.start();
    await system.notices.start();
    const t0 = performance.now();
    await load(db, 20_000, nPlatforms, nNotices);
    console.log(`${db.kind}: loaded ${nNotices} notices over 4 years (20,000 entities, ${nPlatforms} platforms) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const city = { kind: "regulator" as const, userId: "00000000-0000-0000-0000-000000000000", role: "officer" as const, regionPrefix: "5101" };
    const district = { ...city, regionPrefix: "510107" };
    const bare = await time(() => db.rows(sql`select count(*) from notice n join rectification_case c on c.notice_id = n.id where starts_with(n.region_code, '5101')`));
    console.log(`baseline: count over notice x case (city)              ${bare.ms.toFixed(1)} ms`);
    for (const by of ["region", "platform", "period"] as const) {
      const f = await time(() => noticeFigures({ db, clock, actor: city }, { by, period: "month" }));
      console.log(`figures by ${by.padEnd(8)} (city, ${String(f.value.rows.length).padStart(3)} rows)            ${f.ms.toFixed(1)} ms  (${(f.ms / bare.ms).toFixed(1)}x baseline)`);
    }
    const year = await time(() => noticeFigures({ db, clock, actor: district }, { by: "period", period: "week", from: new Date(T.getTime() - 365 * DAY).toISOString() }));
    console.log(`figures by week, one district, last year            ${year.ms.toFixed(1)} ms  (${(year.ms / bare.ms).toFixed(1)}x baseline)`);
    for (const [label, q] of [["city, newest 100", {}], ["city, overdue, newest 100", { overdue: true }], ["district, escalated, newest 100", { escalated: true }]] as const) {
      const who = label.startsWith("district") ? district : city;
      const l = await time(() => listRectifications({ db, clock, actor: who }, { ...q, limit: 100 }));
      console.log(`case list ${label.padEnd(32)}   ${l.ms.toFixed(1)} ms  (${(l.ms / bare.ms).toFixed(2)}x baseline)`);
    }

    // Issuing: one notice per transaction, as the warning.raised job does.
    const entities = (await db.rows<{ id: string }>(sql`select id::text as id from entity order by id limit ${nIssue}`)).map((r) => r.id);
    const issueDeps = { clock, publish: system.outbound.publish, enqueueMany: system.deps.enqueueMany, options: DEFAULT_NOTICE_OPTIONS, link: linkDeps({ signer: system.auth.signer, clock, issuer: "http://bench" }) };
    let t = performance.now();
    for (const entityId of entities) {
      await db.transaction((tx) => issueNotice(tx, issueDeps, { entityId, source: "manual", facts: "基准", dueAt: new Date(T.getTime() + 15 * DAY), issuedBy: "cli" }));
    }
    const issueMs = (performance.now() - t) / entities.length;
    t = performance.now();
    for (const [i, entityId] of entities.entries()) {
      await db.transaction((tx) => tx.execute(sql`
        insert into notice (id, notice_no, entity_id, source, region_code, template_key, template_version, title, body, legal_basis, facts, rectify,
                            issued_by, issued_at, due_at, link_expires_at, delivery_status)
        values (gen_random_uuid(), ${`bare-${i}`}, ${entityId}::uuid, 'manual', '510104', 'manual.default', 1, 't', 'b', 'l', 'f', 'r', 'cli', now(), now(), now(), 'pending')`));
    }
    const bareIssueMs = (performance.now() - t) / entities.length;
    console.log(`issue one notice (${nPlatforms} platforms, signed links, jobs)   ${issueMs.toFixed(2)} ms  vs bare insert ${bareIssueMs.toFixed(2)} ms (${(issueMs / bareIssueMs).toFixed(1)}x)`);

    // Many deadlines at once: the sweep escalates each case in its own transaction.
    const due = (await db.rows<{ id: string }>(sql`select id::text as id from rectification_case where status = 'open' limit ${nOverdue}`)).length;
    clock.set(new Date(T.getTime() + 16 * DAY));
    t = performance.now();
    let escalated = 0;
    for (;;) {
      const ids = await overdueUnescalated(db.orm, clock.now(), 200);
      if (ids.length === 0) break;
      for (const caseId of ids) if (await db.transaction((tx) => escalateCase(tx, { clock, publish: system.outbound.publish, enqueueMany: system.deps.enqueueMany }, caseId))) escalated++;
    }
    const sweepMs = performance.now() - t;
    console.log(`escalation sweep: ${escalated} cases (${due} just issued + older ones) in ${(sweepMs / 1000).toFixed(1)} s = ${(sweepMs / Math.max(1, escalated)).toFixed(2)} ms per case`);
  } finally {
    await drop();
  }
}

await main();
