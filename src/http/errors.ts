// One error type for the whole gateway. Domain verbs throw AppError with a stable code;
// the HTTP layer turns it into RFC 9457 problem+json carrying the request id.

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  TOKEN_INVALID: 401,
  SIGNATURE_MISSING: 401,
  SIGNATURE_MALFORMED: 401,
  SIGNATURE_UNKNOWN_KEY: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_STALE: 401,
  SIGNATURE_REPLAYED: 401,
  SIGNATURE_ROUTE_MISMATCH: 401,
  FORBIDDEN: 403,
  /** City-wide configuration asked of a regulator scoped to less than a city. */
  CITY_SCOPE_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  /** The request body arrived too slowly (paused, or below the minimum rate); the connection is closed. */
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  IDEMPOTENCY_IN_FLIGHT: 409,
  /** The audit chain does not verify, so no head is signed over it. */
  AUDIT_CHAIN_BROKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Where a validation error points: a JSON pointer into the body, or a parameter name. */
export interface FieldError {
  pointer: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = "AppError";
    this.status = ERROR_STATUS[code];
  }
}

export const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  requestId: string;
  errors?: FieldError[];
  [k: string]: unknown;
}

/** The problem document; `type` is a stable URI per code, documented in the spec. */
export function problemOf(err: AppError, requestId: string, instance?: string): ProblemBody {
  const { headers: _headers, ...extra } = err.extra;
  return {
    type: `urn:credit-sandbox:problem:${err.code.toLowerCase().replace(/_/g, "-")}`,
    title: TITLES[err.status] ?? "Error",
    status: err.status,
    code: err.code,
    detail: err.detail,
    ...(instance ? { instance } : {}),
    requestId,
    ...extra,
  };
}
