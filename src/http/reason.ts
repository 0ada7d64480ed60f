// The reason an audited change carries: trimmed, 1-1000 characters (the spec's Reason schema
// checks the raw text; a verb also refuses one of spaces only, and callers other than HTTP).
// Input validation only: who may make the change is the verb's authorize() call.
import { AppError } from "./errors.js";

export function checkedReason(reason: string): string {
  const r = reason.trim();
  if (r.length === 0 || r.length > 1000) throw new AppError("VALIDATION_FAILED", "reason: 1-1000 characters");
  return r;
}
