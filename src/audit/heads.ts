// Signed audit heads: the gateway signs the chain's current head {seq, hash, at} as a compact
// JWS with its own signing key (kid in its JWKS) and keeps every signed head in audit_head, so
// heads can be published (the regulator's archive, a transparency log, an e-mail). Later, a
// published head proves what the chain held up to its seq: someone with database access but
// without the signing key can rewrite rows and re-hash the chain to the end (verify.ts: that
// verifies on its own), but the row at the head's seq no longer has the signed hash.
//
// Before signing, the chain is verified from the last signed head on (that head's own
// signature checked first), so a head is never signed over a chain already broken, and the
// hourly cost is the rows appended since, not the whole chain.
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, type JWK } from "jose";
import { desc, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize, cityWide } from "../auth/authorize.js";
import type { GatewaySigner } from "../auth/signer.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { encodeTimeIdCursor, olderThanCursor } from "../db/keyset.js";
import { auditHead } from "../db/schema/audit-head.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { verifyAuditChain, type ChainHead, type VerifyResult } from "./verify.js";

export const AUDIT_HEAD_TYP = "audit-head+jws";
const HASH = /^[0-9a-f]{64}$/;
const ALG = "ES256";

export type SignedAuditHead = components["schemas"]["SignedAuditHead"];

export interface AuditHeadDeps {
  db: Database;
  clock: Clock;
  signer: Pick<GatewaySigner, "signCompact" | "jwks">;
}

type HeadRow = typeof auditHead.$inferSelect;

const view = (r: HeadRow): SignedAuditHead => ({
  id: r.id,
  seq: r.auditSeq,
  hash: r.auditHash,
  at: r.signedAt.toISOString(),
  kid: r.kid,
  jws: r.jws,
  signedBy: r.signedBy,
});

/** Signs the chain's head now and stores it. Refuses (409 AUDIT_CHAIN_BROKEN) when the chain does not verify. */
export async function signAuditHead(deps: AuditHeadDeps & { actor: Actor }): Promise<SignedAuditHead> {
  authorize(deps.actor, cityWide("admin"));
  const [last] = await deps.db.orm.select().from(auditHead).orderBy(desc(auditHead.auditSeq), desc(auditHead.signedAt)).limit(1);
  let result: VerifyResult;
  if (last) {
    const previous = await readSignedHead(await deps.signer.jwks(), last.jws);
    if (previous.ok && previous.head.seq === last.auditSeq && previous.head.hash === last.auditHash) {
      // Trusts row last.seq only after checking it still has the signed hash (expectedHead).
      result = await verifyAuditChain(deps.db, last.auditSeq > 0 ? { fromSeq: last.auditSeq + 1, expectedHead: { seq: last.auditSeq, hash: last.auditHash } } : {});
    } else if (!previous.ok && previous.problem === "unknown_key") {
      // Its key was revoked since: the head proves nothing any more, so the whole chain is checked.
      result = await verifyAuditChain(deps.db);
    } else {
      throw new AppError("AUDIT_CHAIN_BROKEN", `the last signed head (${last.id}) does not hold: ${previous.ok ? "its row differs from its signed payload" : previous.detail}`);
    }
  } else {
    result = await verifyAuditChain(deps.db);
  }
  if (!result.ok) {
    throw new AppError("AUDIT_CHAIN_BROKEN", `the audit chain does not verify at row ${result.firstBadSeq} (${result.problem}): ${result.detail}`, {
      firstBadSeq: result.firstBadSeq,
      problem: result.problem,
    });
  }
  const at = deps.clock.now();
  const jws = await deps.signer.signCompact({ seq: result.head.seq, hash: result.head.hash, at: at.toISOString() }, AUDIT_HEAD_TYP);
  const row: HeadRow = {
    id: uuidv7(),
    auditSeq: result.head.seq,
    auditHash: result.head.hash,
    signedAt: at,
    kid: decodeProtectedHeader(jws).kid!,
    jws,
    signedBy: actorLabel(deps.actor),
  };
  await deps.db.orm.insert(auditHead).values(row);
  return view(row);
}

/** Signed heads, newest first (keyset pages). */
export async function listAuditHeads(
  deps: { db: Database; actor: Actor },
  input: { limit?: number | undefined; cursor?: string | undefined },
): Promise<{ heads: SignedAuditHead[]; nextCursor: string | null }> {
  authorize(deps.actor, cityWide("admin"));
  const limit = input.limit ?? 20;
  const rows = await deps.db.orm
    .select()
    .from(auditHead)
    .where(input.cursor ? olderThanCursor(sql`${auditHead.signedAt}`, sql`${auditHead.id}`, input.cursor) : undefined)
    .orderBy(desc(auditHead.signedAt), desc(auditHead.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const lastRow = page.at(-1);
  return { heads: page.map(view), nextCursor: rows.length > limit && lastRow ? encodeTimeIdCursor(lastRow.signedAt, lastRow.id) : null };
}

export type SignedHead = ChainHead & { at: string; kid: string };
type HeadFailure = { ok: false; problem: "malformed" | "unknown_key" | "signature" | "chain"; detail: string; head?: SignedHead; chain?: VerifyResult };
export type HeadCheck = { ok: true; head: SignedHead; count: number } | HeadFailure;

/**
 * The verb behind the API and the CLI: a published head checked against `jwks` when given (a
 * copy kept outside the database), else against the keys the gateway publishes.
 */
export async function verifyAuditHead(
  ctx: { db: Database; actor: Actor; signer: Pick<GatewaySigner, "jwks"> },
  input: { jws: string; jwks?: { keys: JWK[] } | undefined },
): Promise<HeadCheck> {
  authorize(ctx.actor, cityWide("admin"));
  return checkSignedHead(ctx.db, input.jwks ?? (await ctx.signer.jwks()), input.jws);
}

/**
 * Checks a published head: its signature against `jwks` (the gateway's published keys, retired
 * ones included, or a copy kept elsewhere), then that the chain verifies and still has the
 * signed hash at the signed seq.
 */
export async function checkSignedHead(db: Database, jwks: { keys: JWK[] }, jws: string): Promise<HeadCheck> {
  const read = await readSignedHead(jwks, jws);
  if (!read.ok) return read;
  const { head } = read;
  const chain = await verifyAuditChain(db, head.seq > 0 ? { expectedHead: { seq: head.seq, hash: head.hash } } : {});
  if (!chain.ok) {
    return {
      ok: false,
      problem: "chain",
      head,
      chain,
      detail: `the audit chain no longer matches the head signed at ${head.at} (row ${head.seq}): row ${chain.firstBadSeq} ${chain.problem} — ${chain.detail}`,
    };
  }
  return { ok: true, head, count: chain.count };
}

/** The head a JWS carries, once its signature verifies with a key of `jwks`. */
export async function readSignedHead(jwks: { keys: JWK[] }, jws: string): Promise<{ ok: true; head: SignedHead } | HeadFailure> {
  let header;
  try {
    header = decodeProtectedHeader(jws.trim());
  } catch {
    return { ok: false, problem: "malformed", detail: "the head is not a compact JWS" };
  }
  if (header.alg !== ALG || header.typ !== AUDIT_HEAD_TYP) {
    return { ok: false, problem: "malformed", detail: `the JWS is not an audit head (typ ${AUDIT_HEAD_TYP}, alg ${ALG} expected)` };
  }
  if (typeof header.kid !== "string" || !jwks.keys.some((k) => k.kid === header.kid)) {
    return { ok: false, problem: "unknown_key", detail: `the head was signed by key ${String(header.kid)}, which is not in the JWKS: not signed by this gateway` };
  }
  let payload: unknown;
  try {
    const verified = await compactVerify(jws.trim(), createLocalJWKSet(jwks as JSONWebKeySet), { algorithms: [ALG] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch {
    return { ok: false, problem: "signature", detail: `the head's signature does not verify with key ${header.kid}: it was altered or forged` };
  }
  const p = payload as { seq?: unknown; hash?: unknown; at?: unknown };
  if (!Number.isSafeInteger(p.seq) || (p.seq as number) < 0 || typeof p.hash !== "string" || !HASH.test(p.hash) || typeof p.at !== "string") {
    return { ok: false, problem: "malformed", detail: "the head's payload is not {seq, hash, at}" };
  }
  return { ok: true, head: { seq: p.seq as number, hash: p.hash, at: p.at, kid: header.kid } };
}
