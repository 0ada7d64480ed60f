// The authorisation matrix, generated from the spec: EVERY operation in openapi/ is called as
// each kind of caller — nobody, an expired token, each regulator role inside and outside the
// region of the fixtures' data, a city admin, another platform, the merchant link of another
// notice — and the status must be the one the declared access of the operation implies.
// An operation without a declared access fails the test, so a new one cannot slip in unjudged.
//
// "allow" means authorisation let the call through: whatever the verb answers next (200, 201,
// 404 for a made-up id, 409, even 400 for a sample body) except 401, 403 or a 5xx.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewaySigner } from "../../src/auth/gateway-signer.js";
import { ACCESS_TOKEN_TYP } from "../../src/auth/oauth.js";
import { REGULATOR_TOKEN_TYP } from "../../src/auth/authenticators.js";
import { loadSpec, type Operation } from "../../src/http/spec.js";
import { MERCHANT_TOKEN_TYP, merchantAudience } from "../../src/notices/link.js";
import { makeUscc, merchant } from "../exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { linkToken } from "../notices-fixtures.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "../support/platform.js";

type Who = "public" | "operator" | "platform" | "merchant" | "regulator";
interface Access {
  who: Who;
  /**
   * Regulator or platform calls on the fixtures' data (in 510104, of the owner platform) from
   * outside: "hidden" = 404 as if absent, "refused" = 403 (writing into another region); else
   * allowed (lists are filtered to the caller's scope).
   */
  outside?: "hidden" | "refused";
  /** City-wide configuration: a district admin is refused with CITY_SCOPE_REQUIRED. */
  cityWide?: true;
}

const reg = (extra: Omit<Access, "who"> = {}): Access => ({ who: "regulator", ...extra });
const city = reg({ cityWide: true });
const plat = (extra: Omit<Access, "who"> = {}): Access => ({ who: "platform", ...extra });

/** The declared access of every operation (the least role comes from the spec's security). */
const ACCESS: Record<string, Access> = {
  getHealthz: { who: "public" },
  getReadyz: { who: "public" },
  getMetrics: { who: "operator" },
  getOpenapi: { who: "public" },
  getDocs: { who: "public" },
  getDocsAsset: { who: "public" },
  getConsole: { who: "public" },
  getConsoleAsset: { who: "public" },
  getAuthorizationServerMetadata: { who: "public" },
  getJwks: { who: "public" },
  postToken: { who: "public" },
  login: { who: "public" },
  getMerchantNoticePage: { who: "public" },
  getMerchantPageScript: { who: "public" },
  getMerchantPathLink: { who: "public" },
  postMerchantsBatch: plat(),
  postEventsBatch: plat(),
  getBatch: plat(),
  getEntityStatus: plat({ outside: "hidden" }),
  getFeed: plat(),
  listOwnKeys: plat(),
  registerOwnKey: plat(),
  retireOwnKey: plat(),
  getPlatformNotice: plat({ outside: "hidden" }),
  reportNoticeReceipt: plat({ outside: "hidden" }),
  relayNoticeAcknowledge: plat({ outside: "hidden" }),
  relayNoticeEvidence: plat({ outside: "hidden" }),
  revokeOwnMerchantLink: plat({ outside: "hidden" }),
  getMerchantNotice: { who: "merchant" },
  getMerchantNoticeHtml: { who: "merchant" },
  acknowledgeMerchantNotice: { who: "merchant" },
  submitMerchantEvidence: { who: "merchant" },
  getMerchantEvidenceFile: { who: "merchant" },
  listNotices: reg(),
  createManualNotice: reg({ outside: "hidden" }),
  getNotice: reg({ outside: "hidden" }),
  revokeMerchantLinks: reg({ outside: "hidden" }),
  listNoticeTemplates: reg(),
  saveNoticeTemplate: city,
  listRectifications: reg(),
  getRectification: reg(),
  reviewRectification: reg(),
  getRectificationEvidenceFile: reg(),
  getNoticeFigures: reg(),
  listPlatforms: city,
  createPlatform: city,
  addPlatformKey: city,
  changePlatformKey: city,
  suspendPlatform: city,
  reactivatePlatform: city,
  changePlatformBackfill: city,
  finishPlatformBackfills: city,
  listGatewayKeys: reg(),
  revokeGatewayKey: city,
  signAuditHead: city,
  listAuditHeads: city,
  verifyAuditHead: city,
  listRegulatorUsers: reg(),
  disableRegulatorUser: reg(),
  enableRegulatorUser: reg(),
  resetRegulatorPassword: reg(),
  listWebhookDeliveries: city,
  retryWebhookDelivery: city,
  getRegulatorEntity: reg({ outside: "hidden" }),
  // A made-up shop id here (404 past authorisation); region hiding of a real claim is in test/entity-claims.test.ts.
  listEntityClaims: reg(),
  confirmEntityClaim: reg(),
  listMasterDataConflicts: reg(),
  searchRegulatorEntities: reg(),
  getClassDistribution: reg(),
  getRegulatorOverview: reg(),
  getRegulatorSeries: reg(),
  listModels: reg(),
  activateModel: city,
  listReclassifications: reg(),
  startReclassification: reg({ outside: "refused" }),
  getReclassification: reg(),
  getSandboxPolicy: reg(),
  putSandboxPolicy: city,
  // Dry runs: region-scoped reads (an outsider's answer counts only its own scope).
  whatIfSandboxPolicy: reg(),
  listSandboxPolicyVersions: reg(),
  listSandboxMembers: reg(),
  getSandboxEntity: reg({ outside: "hidden" }),
  admitToSandbox: reg({ outside: "hidden" }),
  removeFromSandbox: reg({ outside: "hidden" }),
  holdSandboxEntity: reg({ outside: "hidden" }),
  releaseSandboxHold: reg({ outside: "hidden" }),
  listWarnings: reg(),
  getWarning: reg(),
  closeWarning: reg(),
  listMonitoringRules: reg(),
  createMonitoringRule: city,
  whatIfMonitoringRule: reg(),
  getMonitoringRule: reg(),
  updateMonitoringRule: city,
  listProhibitedTypes: reg(),
  createProhibitedType: reg({ outside: "refused" }),
  deleteProhibitedType: reg(),
  listScreeningItems: reg(),
  countScreening: reg(),
  runScreening: reg(),
  listSavedScreenings: reg(),
  createSavedScreening: reg({ outside: "refused" }),
  getSavedScreening: reg(),
  runSavedScreening: reg(),
  exportSavedScreening: reg(),
  listInspectionDraws: reg(),
  createInspectionDraw: reg({ outside: "refused" }),
  getInspectionDraw: reg(),
  verifyInspectionDraw: reg(),
  getInspectionDrawPopulation: reg(),
  recordInspectionResult: reg(),
  getMerchantRestoration: { who: "merchant" },
  applyMerchantRestoration: { who: "merchant" },
  getEntityRestoration: plat({ outside: "hidden" }),
  relayRestorationApplication: plat({ outside: "hidden" }),
  listRestorationApplications: reg(),
  getRestorationApplication: reg(),
  reviewRestorationApplication: reg(),
  getRestorationApplicationFile: reg(),
};

type Cell = "none" | "expired" | "viewerIn" | "officerIn" | "adminIn" | "viewerOut" | "officerOut" | "adminOut" | "cityAdmin" | "otherPlatform" | "otherMerchant";
const CELLS: Cell[] = ["none", "expired", "viewerIn", "officerIn", "adminIn", "viewerOut", "officerOut", "adminOut", "cityAdmin", "otherPlatform", "otherMerchant"];
type Expected = "allow" | 401 | 403 | "city" | 404;

const RANK = { viewer: 1, officer: 2, admin: 3 } as const;
type Role = keyof typeof RANK;

function schemeOf(op: Operation): Who {
  const security = (op.definition.security as Array<Record<string, string[]>> | undefined) ?? [];
  const names = security.flatMap((r) => Object.keys(r));
  if (names.length === 0) return "public";
  const map: Record<string, Who> = { platformOAuth: "platform", regulatorToken: "regulator", merchantLink: "merchant", operatorToken: "operator" };
  return map[names[0]!] ?? "public";
}
function leastRole(op: Operation): Role {
  const security = (op.definition.security as Array<Record<string, string[]>> | undefined) ?? [];
  const scopes = security.flatMap((r) => Object.values(r).flat());
  return (scopes.find((s) => s in RANK) as Role | undefined) ?? "viewer";
}

/** The status a cell must get, from the operation's declared access. */
function expected(op: Operation, access: Access, cell: Cell): Expected {
  if (access.who === "public") return "allow";
  if (cell === "none" || cell === "expired") return 401;
  const regulatorCell = /^(viewer|officer|admin)(In|Out)$|^cityAdmin$/.exec(cell);
  if (access.who === "regulator") {
    if (!regulatorCell) return 401;
    const role: Role = cell === "cityAdmin" ? "admin" : (regulatorCell[1] as Role);
    if (RANK[role] < RANK[leastRole(op)]) return 403;
    if (access.cityWide) return cell === "cityAdmin" ? "allow" : "city";
    if (regulatorCell[2] === "Out" && access.outside === "hidden") return 404;
    if (regulatorCell[2] === "Out" && access.outside === "refused") return 403;
    return "allow";
  }
  if (access.who === "platform") {
    if (cell !== "otherPlatform") return 401;
    return access.outside === "hidden" ? 404 : "allow";
  }
  if (access.who === "merchant") return cell === "otherMerchant" ? "allow" : 401;
  return 401; // operator: only the operator credential, which no cell holds
}

let gw: TestGateway;
let owner: OnboardedPlatform;
let other: OnboardedPlatform;
const regulators: Partial<Record<Cell, LoggedInRegulator>> = {};
const expiredTokens: Partial<Record<Who, string>> = {};
let otherMerchantToken: string;
const ids: Record<string, string> = {};
/** Bodies read from the gateway itself (its current fence policy, a built-in rule's definition). */
const fromGateway: Record<string, unknown> = {};

beforeAll(async () => {
  gw = await startTestGateway();
  [owner, other] = await Promise.all([onboardPlatform(gw), onboardPlatform(gw)]);
  const district = "510104";
  const res = await owner.signedRequest("/v1/merchants/batch", { records: [merchant("matrix-1", { uscc: makeUscc(district), regionCode: district })] });
  const entityId = ((await res.json()) as { results: Array<{ entityId: string }> }).results[0]!.entityId;
  const res2 = await owner.signedRequest("/v1/merchants/batch", { records: [merchant("matrix-2", { uscc: makeUscc(district), regionCode: district })] });
  const entity2 = ((await res2.json()) as { results: Array<{ entityId: string }> }).results[0]!.entityId;
  const roles: Array<[Cell, Role, string]> = [
    ["viewerIn", "viewer", district], ["officerIn", "officer", district], ["adminIn", "admin", district],
    ["viewerOut", "viewer", "510107"], ["officerOut", "officer", "510107"], ["adminOut", "admin", "510107"],
    ["cityAdmin", "admin", "5101"],
  ];
  for (const [cell, role, regionPrefix] of roles) regulators[cell] = await loginRegulator(gw, { role, regionPrefix });
  const notice = async (entity: string) => {
    const r = await gw.fetch("/v1/regulator/notices", {
      method: "POST",
      headers: { authorization: `Bearer ${regulators.officerIn!.token}`, "content-type": "application/json" },
      body: JSON.stringify({ entityId: entity, facts: "授权矩阵测试" }),
    });
    expect(r.status).toBe(201);
    return ((await r.json()) as { noticeId: string }).noticeId;
  };
  Object.assign(ids, { entityId, platformId: owner.platformId, noticeId: await notice(entityId) });
  const otherNotice = await notice(entity2);
  const { signer, gatewayKeys } = gw.system.auth;
  // The other notice's link as its platform received it (the token in the URL's fragment).
  const sent = (await (await owner.get(`/v1/notices/${otherNotice}`)).json()) as { merchantUrl: string };
  otherMerchantToken = linkToken(sent.merchantUrl);
  const read = async (path: string) =>
    (await gw.fetch(path, { headers: { authorization: `Bearer ${regulators.cityAdmin!.token}` } })).json() as Promise<Record<string, unknown>>;
  const policy = (await read("/v1/regulator/sandbox/policy")) as { policy: unknown };
  // A stale expectedVersion: past authorisation the save is refused (409), nothing changes.
  fromGateway.putSandboxPolicy = { policy: policy.policy, reason: "matrix", expectedVersion: 999_999 };
  const rules = (await read("/v1/regulator/rules")) as { rules: Array<{ definition: unknown }> };
  // A built-in rule's key: creating it again is a 409, updating a made-up id a 404.
  fromGateway.createMonitoringRule = { definition: rules.rules[0]!.definition, enabled: false };
  fromGateway.updateMonitoringRule = { definition: rules.rules[0]!.definition, enabled: false };
  fromGateway.whatIfSandboxPolicy = { policy: policy.policy };
  fromGateway.whatIfMonitoringRule = { definition: rules.rules[0]!.definition, days: 30 };
  // Tokens that were valid once: signed with the gateway's key an hour ago, for a minute.
  const anHourAgo = createGatewaySigner({ keys: gatewayKeys, clock: { now: () => new Date(Date.now() - 3_600_000) }, issuer: gw.url });
  const sign = (typ: string, audience: string, claims: Record<string, unknown>, subject: string) => anHourAgo.signJwt(claims, { typ, audience, expiresInSeconds: 60, subject });
  expiredTokens.platform = await sign(ACCESS_TOKEN_TYP, gw.url, { client_id: owner.clientId, scope: "merchants:write events:write entities:read feed:read notices:write keys:write" }, owner.platformId);
  expiredTokens.regulator = await sign(REGULATOR_TOKEN_TYP, gw.url, { role: "admin", regionPrefix: "" }, regulators.cityAdmin!.userId);
  expiredTokens.merchant = await sign(MERCHANT_TOKEN_TYP, merchantAudience(gw.url), { ent: entityId }, ids.noticeId!);
}, 120_000);
afterAll(async () => {
  await gw?.close();
});

/** Path parameters: the fixtures' own data where it exists, made-up ids elsewhere. */
function pathOf(op: Operation): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    // finish: with no backfill open, an allowed caller gets 409 and nothing changes.
    const fixed: Record<string, string> = { action: op.operationId === "changePlatformBackfill" ? "finish" : "retire", key: "matrix.template", version: "no-such-version", token: "not-a-token", kid: "no-such-kid" };
    return encodeURIComponent(ids[name] ?? fixed[name] ?? randomUUID());
  });
}

/** A body that passes the spec's validation where the verb (not the route) decides. */
function bodyOf(op: Operation): unknown {
  const samples: Record<string, unknown> = {
    createPlatform: { name: `matrix-${randomUUID()}`, jwks: { keys: [owner.keys[0]!.publicJwk] } },
    addPlatformKey: { jwk: owner.keys[0]!.publicJwk },
    saveNoticeTemplate: { title: "t", body: "{{facts}}", legalBasis: "l", rectify: "r", expectedVersion: 999 },
    createManualNotice: { entityId: ids.entityId, facts: "授权矩阵测试" },
    verifyAuditHead: { jws: "not-a-signed-head" },
    createProhibitedType: { category: "food", regionPrefix: "510104" },
    holdSandboxEntity: { reason: "matrix", until: new Date(Date.now() + 86_400_000).toISOString() },
    startReclassification: { reason: "matrix", regionPrefix: "510104" },
    finishPlatformBackfills: { platformIds: [randomUUID()], reason: "matrix" },
    countScreening: { conditions: { item: "category", op: "eq", value: "food" } },
    runScreening: { conditions: { item: "category", op: "eq", value: "food" }, limit: 5 },
    createSavedScreening: { name: "matrix", conditions: { item: "category", op: "eq", value: "food" }, region: "510104" },
    runSavedScreening: { limit: 5 },
    createInspectionDraw: {
      name: "matrix", region: "510104", population: { conditions: { item: "category", op: "eq", value: "food" } },
      ratios: { A: 1, B: 1, C: 1, D: 1, unclassified: 1 }, inspectors: [{ id: "i-1", name: "王敏", districts: ["510104"] }],
    },
    recordInspectionResult: { entityId: randomUUID(), finding: "none" },
    login: { username: "nobody", password: "wrong password" },
    reportNoticeReceipt: { status: "delivered" },
    relayNoticeAcknowledge: {},
    relayNoticeEvidence: { text: "matrix" },
    applyMerchantRestoration: { text: "matrix" },
    relayRestorationApplication: { text: "matrix" },
    reviewRestorationApplication: { decision: "reject", comment: "matrix" },
    ...fromGateway,
  };
  return samples[op.operationId] ?? { reason: "matrix" };
}

async function call(op: Operation, cell: Cell): Promise<Response> {
  const path = pathOf(op);
  const method = op.method.toUpperCase();
  const hasBody = op.definition.requestBody !== undefined;
  const access = ACCESS[op.operationId]!;
  if (cell === "otherPlatform") {
    if (hasBody) return other.signedRequest(path, bodyOf(op) as object, { method });
    const token = await other.token();
    return gw.fetch(path, { method, headers: { authorization: `Bearer ${token}` } });
  }
  const scheme = access.who === "public" ? "regulator" : access.who;
  const token =
    cell === "none" ? undefined
    : cell === "expired" ? expiredTokens[scheme as "platform" | "regulator" | "merchant"]
    : cell === "otherMerchant" ? otherMerchantToken
    : regulators[cell]!.token;
  const isForm = op.operationId === "postToken";
  return gw.fetch(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(hasBody ? { "content-type": isForm ? "application/x-www-form-urlencoded" : "application/json" } : {}),
    },
    ...(hasBody ? { body: isForm ? "grant_type=client_credentials" : JSON.stringify(bodyOf(op)) } : {}),
  });
}

const spec = loadSpec();

describe("the authorisation matrix", () => {
  it("declares the access of every operation in the spec, and nothing else", () => {
    const undeclared = spec.operations.map((o) => o.operationId).filter((id) => !(id in ACCESS));
    expect(undeclared, "operations without a declared access").toEqual([]);
    expect(Object.keys(ACCESS).filter((id) => !spec.operations.some((o) => o.operationId === id))).toEqual([]);
    for (const op of spec.operations) expect(ACCESS[op.operationId]!.who, op.operationId).toBe(schemeOf(op));
  });

  for (const op of spec.operations) {
    it(`${op.operationId}: every caller gets its documented status`, async () => {
      const access = ACCESS[op.operationId];
      expect(access, `${op.operationId} has no declared access`).toBeDefined();
      const got: string[] = [];
      const want: string[] = [];
      for (const cell of CELLS) {
        const res = await call(op, cell);
        const exp = expected(op, access!, cell);
        const body = res.headers.get("content-type")?.includes("json") ? ((await res.json().catch(() => ({}))) as { code?: string }) : (await res.text(), {});
        // A status the operation documents for itself (the console's 503 before it is built) is its answer, not a failure.
        const documented = Object.keys((op.definition.responses ?? {}) as object).includes(String(res.status));
        const actual =
          res.status >= 500 && !documented ? `5xx ${res.status}`
          // Public operations answer for themselves (a wrong password is 401): only no 5xx.
          : access!.who === "public" ? "allow"
          : res.status === 401 ? "401"
          : res.status === 403 ? (body.code === "CITY_SCOPE_REQUIRED" ? "city" : "403")
          : exp === 404 && res.status === 404 ? "404"
          : "allow";
        got.push(`${cell}: ${actual}`);
        want.push(`${cell}: ${exp}`);
        if (res.status === 401 || res.status === 403) expect(res.headers.get("content-type"), `${op.operationId} ${cell}`).toMatch(/problem\+json|application\/json/);
      }
      expect(got.filter((g, i) => g !== want[i]).map((g, i) => `${g} (want ${want[got.indexOf(g)]})`), op.operationId).toEqual([]);
    });
  }
});
