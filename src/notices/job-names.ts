// The notice module's jobs (handlers in jobs.ts), named apart so issue.ts can enqueue them
// without importing the handlers.
/** {noticeId}: re-send notice.issued to platforms that have not confirmed delivery, or give up. */
export const DELIVERY_CHECK_JOB = "notice.delivery-check";
/** {caseId}: the reminder before the deadline (once). */
export const REMIND_JOB = "rectification.remind";
/** {caseId}: at the deadline, escalate a case not accepted (once). */
export const ESCALATE_JOB = "rectification.escalate";
/** {}: the hourly safety net escalating any overdue case whose job went missing. */
export const ESCALATE_SWEEP_JOB = "rectification.escalate-sweep";
