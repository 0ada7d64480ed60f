// Per-record checks for submitted batches: the spec's compiled schema first (no second,
// hand-written schema), then the domain rules a schema cannot state. Each failure becomes a
// RecordError on that record alone; the rest of the batch goes on.
import type { ErrorObject, ValidateFunction } from "ajv";
import type { components } from "../generated/openapi.js";
import { MalformedLine } from "../http/body.js";
import { isValidUscc } from "../scoring/index.js";
import { unstorableTextAt } from "../http/storable-text.js";

export type MerchantRecord = components["schemas"]["MerchantRecord"];
export type EventRecord = components["schemas"]["EventRecord"];
export type RecordResult = components["schemas"]["RecordResult"];
export type RecordError = NonNullable<RecordResult["error"]>;

export type Checked<T> = { ok: true; record: T } | { ok: false; error: RecordError };

/** Events may not claim to be older than this, nor more than a day newer than their receipt. */
export const EARLIEST_OCCURRED_AT = Date.parse("2000-01-01T00:00:00Z");
export const LATEST_AHEAD_MS = 86_400_000;

const pointerOf = (index: number, path = "") => `/records/${index}${path}`;

/** The first useful Ajv error (an `if` failure only says "must match then"; its cause is beside it). */
function schemaError(errors: ErrorObject[] | null | undefined, index: number): RecordError {
  const list = errors ?? [];
  const e = list.find((x) => x.keyword !== "if") ?? list[0];
  if (!e) return { code: "VALIDATION_FAILED", message: "record is invalid", pointer: pointerOf(index) };
  let path = e.instancePath;
  if (e.keyword === "required") path += `/${String((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === "additionalProperties") path += `/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  return { code: "VALIDATION_FAILED", message: e.message ?? e.keyword, pointer: pointerOf(index, path) };
}

function malformed(raw: MalformedLine, index: number): RecordError {
  return { code: "MALFORMED_LINE", message: `line ${raw.line} is not JSON: ${raw.message}`, pointer: pointerOf(index) };
}

/** Does any string (or key) hold U+0000? PostgreSQL text and jsonb cannot store it. */
const nulError = (index: number): RecordError => ({ code: "UNSUPPORTED_CHARACTER", message: "the record contains U+0000 or a lone UTF-16 surrogate, which cannot be stored", pointer: pointerOf(index) });

/** Establishment dates: none before the People's Republic's registries, none after the day of receipt (UTC). */
export const EARLIEST_ESTABLISHED_ON = "1949-01-01";

/** screenNul: the body may contain "\u0000" or a lone surrogate (handlers pass false when the raw bytes show it cannot). */
export function checkMerchantRecord(validate: ValidateFunction, raw: unknown, index: number, receivedAtMs: number, screenNul = true): Checked<MerchantRecord> {
  if (raw instanceof MalformedLine) return { ok: false, error: malformed(raw, index) };
  if (!validate(raw)) return { ok: false, error: schemaError(validate.errors, index) };
  if (screenNul && unstorableTextAt(raw) !== undefined) return { ok: false, error: nulError(index) };
  const record = raw as MerchantRecord;
  if (record.uscc !== undefined && !isValidUscc(record.uscc)) {
    return { ok: false, error: { code: "USCC_CHECK_FAILED", message: "the USCC check character does not match (GB 32100-2015)", pointer: pointerOf(index, "/uscc") } };
  }
  if (record.entityType === "enterprise" && record.uscc === undefined) {
    return { ok: false, error: { code: "USCC_REQUIRED", message: "an enterprise needs a uscc", pointer: pointerOf(index, "/uscc") } };
  }
  if (record.entityType === "individual" && record.uscc === undefined && record.idNumberHash === undefined) {
    return { ok: false, error: { code: "IDENTIFIER_REQUIRED", message: "an individual seller needs a uscc or an idNumberHash", pointer: pointerOf(index) } };
  }
  const established = record.establishedOn;
  // 'YYYY-MM-DD' strings compare as dates; the schema has already checked the form.
  if (established !== undefined && (established < EARLIEST_ESTABLISHED_ON || established > new Date(receivedAtMs).toISOString().slice(0, 10))) {
    return {
      ok: false,
      error: { code: "ESTABLISHED_ON_OUT_OF_RANGE", message: `establishedOn must lie between ${EARLIEST_ESTABLISHED_ON} and the day of receipt`, pointer: pointerOf(index, "/establishedOn") },
    };
  }
  return { ok: true, record };
}

export interface CheckedEvent {
  record: EventRecord;
  occurredAtMs: number;
}

export function checkEventRecord(validate: ValidateFunction, raw: unknown, index: number, receivedAtMs: number, screenNul = true): Checked<CheckedEvent> {
  if (raw instanceof MalformedLine) return { ok: false, error: malformed(raw, index) };
  if (!validate(raw)) return { ok: false, error: schemaError(validate.errors, index) };
  if (screenNul && unstorableTextAt(raw) !== undefined) return { ok: false, error: nulError(index) };
  const record = raw as EventRecord;
  const occurredAtMs = Date.parse(record.occurredAt);
  if (!(occurredAtMs >= EARLIEST_OCCURRED_AT && occurredAtMs <= receivedAtMs + LATEST_AHEAD_MS)) {
    return {
      ok: false,
      error: { code: "OCCURRED_AT_OUT_OF_RANGE", message: "occurredAt must lie between 2000-01-01 and one day after receipt", pointer: pointerOf(index, "/occurredAt") },
    };
  }
  return { ok: true, record: { record, occurredAtMs } };
}

/** A confirmed violation that claims to be serious (either way the scoring reads it). */
export function claimsSeriousViolation(record: EventRecord): boolean {
  if (record.kind !== "violation_confirmed") return false;
  const data = record.data as Record<string, unknown>;
  return data.serious === true || data.severity === "serious";
}

export const seriousNotAccepted = (index: number): RecordError => ({
  code: "SERIOUS_VIOLATION_NOT_ACCEPTED",
  message: "a serious confirmed violation is accepted only from a regulator-side source",
  pointer: pointerOf(index, "/data"),
});

export const rejected = (index: number, error: RecordError): RecordResult => ({ index, status: "rejected", error });
