// The regulator's entity profile (GET /v1/regulator/entities/{id}): current class with the
// score behind it (p, loss, expected loss, override, model version, prior + every
// contribution, the strongest in words), the classification history, related entities inside
// the caller's region (and how many outside), the shops per platform, the sandbox status with
// its fence audit history, its warnings and its notices with their rectification status.
// Region-scoped: an entity outside the caller's prefix is 404, like one that does not exist.
import { authorize, regulator } from "../auth/authorize.js";
import type { Actor } from "../auth/actor.js";
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { isoTimeOrNull as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { contributionsOf, explainScore, type Contribution, type CreditClass, type Override, type ScoreResult } from "../scoring/index.js";
import { getModelByVersion } from "../classification/models.js";
import { sandboxOf } from "../sandbox/queries.js";
import { warningsOfEntity } from "../monitoring/warnings-verbs.js";

type EntityProfile = components["schemas"]["EntityProfile"];
type NoticeOfEntity = NonNullable<EntityProfile["notices"]>[number];
type LinkKind = "legal_representative" | "address" | "phone" | "investor" | "officer";

const HISTORY_LIMIT = 50;
const RELATED_LIMIT = 200;
const TOP_REASONS = 5;
const NOTICES_LIMIT = 20;

interface EntityRow extends Record<string, unknown> {
  id: string;
  uscc: string | null;
  name: string;
  entity_type: string;
  region_code: string;
  address: string;
  category: string;
  risk_class: CreditClass | null;
  probability: number | null;
  loss: number | null;
  model_version: string | null;
  classified_at: Date | string | null;
  established_on: string | null;
  registered_capital_cents: number | string | null;
  registration_authority: string | null;
  operating_since: Date | string | null;
}

export interface HistoryRow extends Record<string, unknown> {
  model_version: string;
  p: number;
  loss: number;
  expected_loss: number;
  risk_class: CreditClass;
  override: Override | null;
  logit_prior: number;
  contributions: Contribution[] | string | null;
  states: number[] | string | null;
  computed_at: Date | string;
  trigger: "event" | "run" | "manual";
  run_id: string | null;
}

/** History keeps feature states; the scoring model of that version turns them back into words. */
export async function contributionsFrom(db: Database, h: HistoryRow): Promise<Contribution[]> {
  if (h.contributions !== null) return json(h.contributions);
  const model = await getModelByVersion(db.orm, h.model_version);
  if (!model || h.states === null) return [];
  const states = typeof h.states === "string" ? h.states.replace(/[{}]/g, "").split(",").map(Number) : h.states.map(Number);
  return contributionsOf(model.compiled, Number(h.logit_prior), states).contributions;
}

/** The score a history row records, its reason codes in words. */
export async function scoreFromHistory(db: Database, h: HistoryRow): Promise<ScoreResult> {
  return {
    p: Number(h.p),
    logitPrior: Number(h.logit_prior),
    contributions: await contributionsFrom(db, h),
    loss: Number(h.loss),
    expectedLoss: Number(h.expected_loss),
    class: h.risk_class,
    ...(h.override ? { override: h.override } : {}),
    modelVersion: h.model_version,
  };
}

/** The columns of a classification history row that HistoryRow types. */
export const HISTORY_COLUMNS = sql`model_version, p, loss, expected_loss, risk_class, override, logit_prior, contributions, states, computed_at, trigger, run_id`;

const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);

export async function getRegulatorEntity(ctx: { db: Database; actor: Actor }, input: { entityId: string }): Promise<EntityProfile> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const { db } = ctx;
  const [e] = await db.rows<EntityRow>(sql`
    select id, uscc, name, entity_type, region_code, address, category, risk_class, probability, loss, model_version, classified_at,
           established_on::text as established_on, registered_capital_cents, registration_authority, operating_since
    from entity where id = ${input.entityId}::uuid and starts_with(region_code, ${prefix})`);
  if (!e) throw new AppError("NOT_FOUND", "no such entity");

  const history = await db.rows<HistoryRow>(sql`
    select ${HISTORY_COLUMNS}
    from classification where entity_id = ${e.id}::uuid order by computed_at desc, id desc limit ${HISTORY_LIMIT}`);
  const related = await db.rows<{ id: string; name: string; region_code: string; risk_class: CreditClass | null; links: LinkKind[] | string; inside: boolean }>(sql`
    with l as (
      select entity_b as other, kind from entity_link where entity_a = ${e.id}::uuid
      union all
      select entity_a as other, kind from entity_link where entity_b = ${e.id}::uuid
    )
    select r.id, r.name, r.region_code, r.risk_class, array_agg(distinct l.kind order by l.kind) as links,
           starts_with(r.region_code, ${prefix}) as inside
    from l join entity r on r.id = l.other
    group by r.id, r.name, r.region_code, r.risk_class
    order by r.risk_class desc nulls last, r.name, r.id`);
  const shops = await db.rows<{ platform_id: string; platform_name: string; shop_id: string; name: string; url: string | null }>(sql`
    select s.platform_id, p.name as platform_name, s.platform_shop_id as shop_id, s.name, s.url
    from shop s join platform p on p.id = s.platform_id
    where s.entity_id = ${e.id}::uuid order by p.name, s.platform_shop_id`);
  const sandbox = await sandboxOf(db.orm, e.id);
  const warnings = await warningsOfEntity(db.orm, e.id);
  const notices = await db.rows<{ id: string; notice_no: string; title: string; source: "warning" | "manual"; issued_at: Date | string; due_at: Date | string; case_id: string; status: NoticeOfEntity["caseStatus"] }>(sql`
    select n.id::text as id, n.notice_no, n.title, n.source, n.issued_at, n.due_at, c.id::text as case_id, c.status
    from notice n join rectification_case c on c.notice_id = n.id
    where n.entity_id = ${e.id}::uuid
    order by (c.status <> 'accepted') desc, n.issued_at desc, n.id desc limit ${NOTICES_LIMIT}`);

  // The current score is the newest history row (written with the entity's class, same tx).
  const latest = history[0];
  const score = latest && (await scoreFromHistory(db, latest));
  const inside = related.filter((r) => r.inside === true || (r.inside as unknown) === "t");
  return {
    entityId: e.id,
    uscc: e.uscc,
    name: e.name,
    entityType: e.entity_type,
    regionCode: e.region_code,
    address: e.address,
    category: e.category,
    registration: {
      establishedOn: e.established_on,
      registeredCapitalCents: e.registered_capital_cents === null ? null : Number(e.registered_capital_cents),
      registrationAuthority: e.registration_authority,
      operatingSince: iso(e.operating_since),
    },
    riskClass: e.risk_class ?? null,
    probability: e.probability === null ? null : Number(e.probability),
    loss: e.loss === null ? null : Number(e.loss),
    classifiedAt: iso(e.classified_at),
    expectedLoss: score?.expectedLoss ?? null,
    logitPrior: score?.logitPrior ?? null,
    override: score?.override ?? null,
    modelVersion: e.model_version ?? score?.modelVersion ?? null,
    contributions: score?.contributions ?? [],
    reasons: score
      ? explainScore(score, { top: TOP_REASONS }).map((r) => ({ indicator: r.indicator, state: r.state, logLR: r.logLR, textZh: r.zh, textEn: r.en }))
      : [],
    history: history.map((h) => ({
      riskClass: h.risk_class,
      probability: Number(h.p),
      loss: Number(h.loss),
      modelVersion: h.model_version,
      computedAt: iso(h.computed_at)!,
      trigger: h.trigger,
      runId: h.run_id,
    })),
    related: inside.slice(0, RELATED_LIMIT).map((r) => ({
      entityId: r.id,
      name: r.name,
      regionCode: r.region_code,
      riskClass: r.risk_class,
      links: typeof r.links === "string" ? (r.links.replace(/[{}]/g, "").split(",").filter(Boolean) as LinkKind[]) : r.links,
    })),
    relatedOutsideScope: related.length - inside.length,
    shops: shops.map((s) => ({ platformId: s.platform_id, platformName: s.platform_name, shopId: s.shop_id, name: s.name, url: s.url })),
    sandbox,
    warnings,
    notices: notices.map((n) => ({
      noticeId: n.id,
      noticeNo: n.notice_no,
      title: n.title,
      source: n.source,
      issuedAt: iso(n.issued_at)!,
      dueAt: iso(n.due_at)!,
      caseId: n.case_id,
      caseStatus: n.status,
    })),
  };
}
