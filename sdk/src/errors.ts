// Typed errors of the platform SDK. Nothing here ever carries a token, an assertion or a key:
// only what the gateway said (status, problem code, request id) and what the SDK checked.

/** RFC 9457 problem document as the gateway sends it (or an RFC 6749 error from /oauth/token). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  requestId?: string;
  errors?: Array<{ pointer: string; message: string }>;
  [k: string]: unknown;
}

/** A call the gateway refused (or that never reached it, status 0). */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    /** HTTP status; 0 when the request never got an answer (network error after the last retry). */
    readonly status: number,
    /** The problem `code` (e.g. SIGNATURE_STALE), the OAuth `error` (e.g. invalid_client), or NETWORK_ERROR. */
    readonly code: string,
    readonly problem: Problem | undefined,
    readonly requestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    const why = problem?.detail ?? (problem?.error_description as string | undefined) ?? causeMessage(options?.cause);
    super(`${status || "no answer:"} ${code}${why ? `: ${why}` : ""}`, options);
  }
}

/** fetch's own message and its cause's (e.g. "fetch failed (connect ECONNREFUSED 127.0.0.1:8080)"). */
function causeMessage(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause instanceof Error ? causeMessage(cause.cause) : undefined;
  return inner ? `${cause.message} (${inner})` : cause.message;
}

export type ReceiptErrorCode = "RECEIPT_SIGNATURE_INVALID" | "RECEIPT_MALFORMED" | "RECEIPT_MISMATCH";

/** A receipt that does not verify against the gateway's JWKS or does not match what was sent. */
export class ReceiptError extends Error {
  override readonly name = "ReceiptError";
  constructor(readonly code: ReceiptErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type WebhookErrorCode =
  | "WEBHOOK_HEADER_MISSING"
  | "WEBHOOK_SIGNATURE_MALFORMED"
  | "WEBHOOK_SIGNATURE_INVALID"
  | "WEBHOOK_TIMESTAMP_STALE"
  | "WEBHOOK_ID_MISMATCH"
  | "WEBHOOK_AUDIENCE_MISMATCH"
  | "WEBHOOK_BODY_MALFORMED";

/** An incoming webhook that must not be trusted; `code` says why. Answer it with 400/401. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  constructor(readonly code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
