// createGatewayClient: the platform's typed client. openapi-fetch (typed by the generated
// `paths`) builds each request; the transport authenticates, signs the exact body bytes, sets
// the idempotency key and retries. Batch calls verify their receipt before returning.
import createClient, { type Client } from "openapi-fetch";
import type { JWK } from "jose";
import type { components, paths } from "./generated/openapi.js";
import { batchBodies, MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "./batches.js";
import { createDiscovery, type AuthorizationServerMetadata } from "./discovery.js";
import { ReceiptError } from "./errors.js";
import { createFeed, type Feed } from "./feed.js";
import { sha256Hex, verifyReceiptWith, type Receipt } from "./receipts.js";
import { createRuntime, type RuntimeOptions } from "./runtime.js";
import { errorFromBody } from "./send.js";
import { importSigningKey } from "./signing-key.js";
import type { EventRecord, MerchantRecord } from "./records.js";
import { createTokenSource, type TokenSource } from "./tokens.js";
import { createTransport, type AttemptListener } from "./transport.js";

type Schemas = components["schemas"];
export type { EventDataByKind, EventRecord, MerchantRecord } from "./records.js";
export type BatchResult = Schemas["BatchResult"];
export type RecordResult = Schemas["RecordResult"];
export type BatchSummary = Schemas["BatchSummary"];
export type EntityStatus = Schemas["EntityStatus"];
export type PlatformKey = Schemas["PlatformKey"];
/** A notice as the platform sees it; the data of a notice.issued message (plus `attempt`). */
export type PlatformNotice = Schemas["PlatformNotice"];
export type NoticeReceipt = Schemas["NoticeReceipt"];
export type NoticeDelivery = Schemas["NoticeDelivery"];
export type RectificationCase = Schemas["RectificationCase"];
export type EvidenceSubmission = Schemas["EvidenceSubmission"];
export type RevokedMerchantLinks = Schemas["RevokedMerchantLinks"];
export type Restoration = Schemas["Restoration"];
export type RestorationApplication = Schemas["RestorationApplication"];

export interface GatewayClientOptions extends RuntimeOptions {
  /** The gateway's base URL, e.g. https://gateway.example.gov.cn */
  baseUrl: string;
  clientId: string;
  /** A private JWK (with d): EC P-256 (ES256) or OKP Ed25519, registered with the gateway. */
  privateJwk: JWK;
  /** Overrides privateJwk.kid. */
  kid?: string;
  /** Scopes to ask for (default: all the platform was granted). */
  scopes?: string[];
  /** Records and bytes per batch (defaults: the gateway's limits). */
  batchLimits?: { maxRecords?: number; maxBytes?: number };
  onAttempt?: AttemptListener;
}

export interface SubmitOptions {
  /** Idempotency key of the submission: the first batch uses it as is, batch i > 0 of a split one `${key}.${i}`. */
  idempotencyKey?: string;
}

/** One batch as the gateway answered it, its receipt verified. */
export type VerifiedBatch = BatchResult & { bodySha256: string; verifiedReceipt: Receipt };

export interface Submission {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Per record, `index` counted in the array you passed (across all batches). */
  results: RecordResult[];
  batches: VerifiedBatch[];
}

export interface GatewayClient {
  /** The typed openapi-fetch client, authenticated, signing and retrying like the methods below. */
  api: Client<paths>;
  metadata(): Promise<AuthorizationServerMetadata>;
  /** The current access token (cached and renewed; never log it). */
  accessToken(): Promise<string>;
  submitMerchants(records: readonly MerchantRecord[], options?: SubmitOptions): Promise<Submission>;
  submitEvents(records: readonly EventRecord[], options?: SubmitOptions): Promise<Submission>;
  getBatch(batchId: string): Promise<BatchSummary>;
  getEntity(entityId: string): Promise<EntityStatus>;
  feed: Feed;
  listKeys(): Promise<PlatformKey[]>;
  /** Registers the platform's next public key (signed with the current one). Private members are dropped. */
  registerKey(jwk: JWK, options?: { notAfter?: string }): Promise<PlatformKey>;
  retireKey(kid: string, reason: string): Promise<PlatformKey>;
  /** Checks a receipt against the gateway JWKS (and, if given, the body hash). */
  verifyReceipt(receipt: string, options?: { expectedBodySha256?: string }): Promise<Receipt>;
  /** A notice sent to this platform, with a freshly minted merchant link (give it to the merchant only). */
  getNotice(noticeId: string): Promise<PlatformNotice>;
  /** Reports that the notice reached the merchant (`delivered`) or was opened (`read`); signed. */
  reportNoticeReceipt(noticeId: string, receipt: NoticeReceipt): Promise<NoticeDelivery>;
  /** Relays the merchant's acknowledgement of a notice; signed. */
  acknowledgeNotice(noticeId: string, note?: string): Promise<RectificationCase>;
  /** Relays the merchant's rectification evidence (text, links, base64 files); signed. */
  submitRectification(noticeId: string, evidence: EvidenceSubmission): Promise<RectificationCase>;
  /**
   * Revokes this platform's merchant link for a notice (every copy stops working at once); the
   * next `getNotice` returns a new link. Signed.
   */
  revokeMerchantLink(noticeId: string, reason: string): Promise<RevokedMerchantLinks>;
  /** What keeps one of the platform's entities outside the sandbox, what would change it, and when it could next be admitted (信用修复). */
  getRestoration(entityId: string): Promise<Restoration>;
  /** Relays the merchant's application for credit restoration with its evidence; signed. One open application per entity (409 otherwise). */
  applyForRestoration(entityId: string, evidence: EvidenceSubmission): Promise<RestorationApplication>;
}

/** Placeholder for the typed header: the transport always sets the real signature. */
const SIGNED_BY_TRANSPORT = "signed-by-transport";
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const rt = createRuntime(options);
  const discovery = createDiscovery(baseUrl, rt);
  const limits = { maxRecords: options.batchLimits?.maxRecords ?? MAX_BATCH_RECORDS, maxBytes: options.batchLimits?.maxBytes ?? MAX_BATCH_BYTES };

  // Built on first use: importing the key is async, and a bad key should fail the first call.
  let parts: Promise<{ tokens: TokenSource; transport: (req: Request) => Promise<Response> }> | undefined;
  const ensure = () =>
    (parts ??= importSigningKey(options.privateJwk, options.kid).then((key) => {
      const tokens = createTokenSource({ clientId: options.clientId, key, scopes: options.scopes, discovery, rt });
      const transport = createTransport({ rt, tokens, key, baseUrl, ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}) });
      return { tokens, transport };
    }));
  const lazyTransport = async (req: Request): Promise<Response> => (await ensure()).transport(req);
  const api = createClient<paths>({ baseUrl, fetch: lazyTransport });

  const unwrap = <T>(r: { data?: T; error?: unknown; response: Response }): T => {
    if (r.response.ok && r.data !== undefined) return r.data;
    throw errorFromBody(r.response, r.error);
  };

  const verifyReceipt = async (receipt: string, o: { expectedBodySha256?: string } = {}) => verifyReceiptWith(await discovery.keys(), receipt, o);

  const submit = async (path: "/v1/merchants/batch" | "/v1/events/batch", records: readonly unknown[], o: SubmitOptions = {}): Promise<Submission> => {
    const out: Submission = { accepted: 0, duplicates: 0, rejected: 0, results: [], batches: [] };
    let i = 0;
    // One batch body at a time: a large submission is never held serialised all at once.
    for (const body of batchBodies(records, limits)) {
      const idempotencyKey = o.idempotencyKey === undefined ? undefined : i === 0 ? o.idempotencyKey : `${o.idempotencyKey}.${i}`;
      const header = { "X-JWS-Signature": SIGNED_BY_TRANSPORT, ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}) };
      // The typed body is for the compiler; the bytes from bodySerializer are what is signed and sent.
      const typedBody = { records: records.slice(body.offset, body.offset + body.count) } as never;
      const result = unwrap(await api.POST(path, { params: { header }, body: typedBody, bodySerializer: () => body.bytes }));
      const bodySha256 = sha256Hex(body.bytes);
      const receipt = await verifyReceipt(result.receipt, { expectedBodySha256: bodySha256 });
      if (receipt.batchId !== result.batchId) throw new ReceiptError("RECEIPT_MISMATCH", "receipt names another batch than the response");
      out.batches.push({ ...result, bodySha256, verifiedReceipt: receipt });
      out.accepted += result.accepted;
      out.duplicates += result.duplicates;
      out.rejected += result.rejected;
      for (const r of result.results) out.results.push({ ...r, index: r.index + body.offset });
      i++;
    }
    return out;
  };

  return {
    api,
    metadata: () => discovery.metadata(),
    accessToken: async () => (await ensure()).tokens.get(),
    submitMerchants: (records, o) => submit("/v1/merchants/batch", records, o),
    submitEvents: (records, o) => submit("/v1/events/batch", records, o),
    getBatch: async (batchId) => unwrap(await api.GET("/v1/batches/{batchId}", { params: { path: { batchId } } })),
    getEntity: async (entityId) => unwrap(await api.GET("/v1/entities/{entityId}", { params: { path: { entityId } } })),
    feed: createFeed(async (q) => unwrap(await api.GET("/v1/feed", { params: { query: q } }))),
    listKeys: async () => unwrap(await api.GET("/v1/platform/keys")).keys,
    async registerKey(jwk, o = {}) {
      const publicJwk = Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_MEMBERS.includes(k)));
      const body = { jwk: publicJwk as Schemas["Jwk"], ...(o.notAfter ? { notAfter: o.notAfter } : {}) };
      return unwrap(await api.POST("/v1/platform/keys", { params: { header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } }, body }));
    },
    retireKey: async (kid, reason) =>
      unwrap(await api.POST("/v1/platform/keys/{kid}/retire", { params: { path: { kid }, header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } }, body: { reason } })),
    verifyReceipt,
    getNotice: async (noticeId) => unwrap(await api.GET("/v1/notices/{noticeId}", { params: { path: { noticeId } } })),
    reportNoticeReceipt: async (noticeId, receipt) =>
      unwrap(await api.POST("/v1/notices/{noticeId}/receipts", { params: { path: { noticeId }, header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } }, body: receipt })),
    acknowledgeNotice: async (noticeId, note) =>
      unwrap(
        await api.POST("/v1/notices/{noticeId}/acknowledge", {
          params: { path: { noticeId }, header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } },
          body: note === undefined ? {} : { note },
        }),
      ),
    submitRectification: async (noticeId, evidence) =>
      unwrap(await api.POST("/v1/notices/{noticeId}/evidence", { params: { path: { noticeId }, header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } }, body: evidence })),
    revokeMerchantLink: async (noticeId, reason) =>
      unwrap(
        await api.POST("/v1/notices/{noticeId}/merchant-link/revoke", { params: { path: { noticeId }, header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } }, body: { reason } }),
      ),
    getRestoration: async (entityId) => unwrap(await api.GET("/v1/entities/{entityId}/restoration", { params: { path: { entityId } } })),
    applyForRestoration: async (entityId, evidence) =>
      unwrap(
        await api.POST("/v1/entities/{entityId}/restoration/applications", {
          params: { path: { entityId }, header: { "X-JWS-Signature": SIGNED_BY_TRANSPORT } },
          body: evidence,
        }),
      ),
  };
}
