// The audit log: append-only, hash-chained. Verbs call appendAudit in their own transaction;
// operators run verifyAuditChain and keep the returned head somewhere the database can't reach
// (heads.ts: the gateway signs heads for publication).
export { appendAudit, AUDIT_CHAIN_LOCK, type AuditEntry, type AuditRecord } from "./append.js";
export {
  verifyAuditChain,
  type AuditProblem,
  type ChainHead,
  type VerifyOptions,
  type VerifyResult,
} from "./verify.js";
export { auditRowCanonical, auditRowHash, GENESIS_HASH, type AuditHashInput } from "./hash.js";
export { AuditValueError, canonicalJson, toJsonValue, type JsonValue } from "./canonical.js";
