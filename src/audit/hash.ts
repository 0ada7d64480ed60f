// How one audit row is hashed. Written down precisely so an auditor can recompute it with any
// tool: hash = lowercase hex SHA-256 of the UTF-8 bytes of
//   canonicalJson({ seq, at, actor, action, subject_type, subject_id, data, prev_hash })
// where `at` is the ISO-8601 UTC instant with milliseconds ("2026-01-01T00:00:00.000Z"),
// `subject_id` is null when absent, and canonicalJson is RFC 8785-style (canonical.ts).
// The first row's prev_hash is GENESIS_HASH. seq is inside the hash, so renumbering a row is
// as visible as editing it.
import { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "./canonical.js";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditHashInput {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string | null;
  data: JsonValue;
  prevHash: string;
}

export function auditRowCanonical(row: AuditHashInput): string {
  return canonicalJson({
    seq: row.seq,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    subject_type: row.subjectType,
    subject_id: row.subjectId,
    data: row.data,
    prev_hash: row.prevHash,
  });
}

export function auditRowHash(row: AuditHashInput): string {
  return createHash("sha256").update(auditRowCanonical(row), "utf8").digest("hex");
}
