// One logical call, several attempts: each attempt is built afresh by `attempt` (new token if
// needed, new signature with a new jti/iat), and only "try later" answers are retried.
import { GatewayError, type Problem } from "./errors.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry.js";
import type { Runtime } from "./runtime.js";

/** fetch itself failed: no answer arrived (connection refused, reset, DNS...). */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
}

/**
 * Calls rt.fetch with a per-attempt timeout, turning fetch's own failures and timeouts into
 * NetworkError (retried); the caller's own abort stays an abort.
 */
export async function fetchOnce(rt: Runtime, input: string, init: RequestInit): Promise<Response> {
  const timeout = AbortSignal.timeout(rt.requestTimeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    return await rt.fetch(input, { ...init, signal });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    if (timeout.aborted) throw new NetworkError(`no answer within ${rt.requestTimeoutMs} ms`, { cause: err });
    throw new NetworkError((err as Error)?.message ?? "fetch failed", { cause: err });
  }
}

/** Runs attempts until an answer that should not be retried, or the retries are spent. */
export async function sendWithRetries(rt: Runtime, attempt: () => Promise<Response>): Promise<Response> {
  for (let n = 0; ; n++) {
    const last = n >= rt.retry.retries;
    let res: Response;
    try {
      res = await attempt();
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      if (last) throw new GatewayError(0, "NETWORK_ERROR", undefined, undefined, { cause: err });
      await rt.sleep(backoffDelay(rt.retry, n, rt.random));
      continue;
    }
    if (last || !isRetryableStatus(res.status, res.status === 409 ? await problemCodeOf(res) : undefined)) return res;
    const retryAfter = parseRetryAfter(res.headers.get("retry-after"), rt.now());
    if (retryAfter !== undefined && retryAfter > rt.retry.maxRetryAfterMs) return res;
    await res.body?.cancel().catch(() => {});
    await rt.sleep(backoffDelay(rt.retry, n, rt.random, retryAfter));
  }
}

async function problemCodeOf(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.clone().json()) as Problem;
    return typeof body.code === "string" ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/** A refused call as a GatewayError (problem+json, an OAuth error, or whatever else came). */
export async function errorFromResponse(res: Response): Promise<GatewayError> {
  const text = await res.text().catch(() => "");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return errorFromBody(res, body);
}

/** The same, from a body already read (openapi-fetch parses error bodies itself). */
export function errorFromBody(res: Response, body: unknown): GatewayError {
  const problem: Problem | undefined =
    body && typeof body === "object" ? (body as Problem) : typeof body === "string" && body ? { detail: body.slice(0, 500) } : undefined;
  const code =
    (typeof problem?.code === "string" && problem.code) || (typeof problem?.error === "string" && problem.error) || `HTTP_${res.status}`;
  const requestId = (typeof problem?.requestId === "string" ? problem.requestId : undefined) ?? res.headers.get("x-request-id") ?? undefined;
  return new GatewayError(res.status, code, problem, requestId);
}
