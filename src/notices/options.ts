// The notice module's durations and limits. Defaults are what a regulator would set; config.ts
// reads the NOTICE_* variables, tests and demos shorten them (DESIGN §5b: time-dependent rules
// take their durations from config).
export interface NoticeOptions {
  /** Days a merchant has to rectify when neither the rule nor the officer says (default 15). */
  defaultDueDays: number;
  /** How long before the deadline the reminder goes out (default 3 days). */
  reminderBeforeMs: number;
  /** How long after the deadline merchant links keep working (default 30 days). */
  linkGraceMs: number;
  /** First re-send of an undelivered notice (default 1 h; doubles each time). */
  deliveryRetryMs: number;
  /** Sends of notice.issued to a platform before its delivery is undeliverable (default 5). */
  deliveryMaxAttempts: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const DEFAULT_NOTICE_OPTIONS: NoticeOptions = {
  defaultDueDays: 15,
  reminderBeforeMs: 3 * DAY,
  linkGraceMs: 30 * DAY,
  deliveryRetryMs: HOUR,
  deliveryMaxAttempts: 5,
};

/** Evidence limits (stated in the spec's EvidenceSubmission). */
export const EVIDENCE_LIMITS = {
  maxFiles: 5,
  maxFileBytes: 4 * 1024 * 1024,
  contentTypes: ["image/jpeg", "image/png", "image/webp", "application/pdf"] as const,
};
export type EvidenceContentType = (typeof EVIDENCE_LIMITS.contentTypes)[number];
