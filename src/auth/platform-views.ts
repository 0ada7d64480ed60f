// API shapes of platforms and keys (openapi: Platform, PlatformKey).
import type { JWK } from "jose";
import { effectiveStatus, type PlatformKeyRow, type PlatformRow } from "./platform-queries.js";

export interface PlatformKeyView {
  kid: string;
  alg: string;
  status: "active" | "retired" | "revoked";
  createdAt: string;
  notAfter: string | null;
  publicJwk: JWK;
}

export interface PlatformView {
  platformId: string;
  clientId: string;
  name: string;
  status: "active" | "suspended";
  scopes: string[];
  webhookUrl: string | null;
  keys: PlatformKeyView[];
  /** A backfill of its history (classification/backfill.ts). */
  backfill: BackfillView;
}

export interface BackfillView {
  platformId: string;
  open: boolean;
  since: string | null;
  runId: string | null;
}

export const backfillView = (p: PlatformRow): BackfillView => ({
  platformId: p.id,
  open: p.backfillSince !== null,
  since: p.backfillSince?.toISOString() ?? null,
  runId: p.backfillRunId,
});

export function keyView(k: PlatformKeyRow, now: Date): PlatformKeyView {
  return {
    kid: k.kid,
    alg: k.alg,
    status: effectiveStatus(k, now),
    createdAt: k.createdAt.toISOString(),
    notAfter: k.notAfter ? k.notAfter.toISOString() : null,
    publicJwk: k.publicJwk as JWK,
  };
}

export function platformView(p: PlatformRow, keys: PlatformKeyRow[], now: Date): PlatformView {
  return {
    platformId: p.id,
    clientId: p.clientId,
    name: p.name,
    status: p.status,
    scopes: p.scopes,
    webhookUrl: p.webhookUrl,
    keys: keys.filter((k) => k.platformId === p.id).map((k) => keyView(k, now)),
    backfill: backfillView(p),
  };
}
