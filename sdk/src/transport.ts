// The fetch that openapi-fetch calls. It takes the request's body bytes ONCE and, on every
// attempt, signs exactly those bytes and sends exactly those bytes — so the detached signature
// always covers what travels. POSTs get one Idempotency-Key shared by all their attempts;
// each attempt gets the current token and a new signature (new jti and iat).
import { randomUUID } from "node:crypto";
import { signDetached } from "./detached-jws.js";
import type { Problem } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { fetchOnce, sendWithRetries } from "./send.js";
import type { SigningKey } from "./signing-key.js";
import type { TokenSource } from "./tokens.js";

/** Observes what each attempt sent (tests, and callers that keep their own evidence). */
export type AttemptListener = (attempt: { method: string; url: string; body: Uint8Array | undefined; headers: Headers }) => void;

export function createTransport(o: { rt: Runtime; tokens: TokenSource; key: SigningKey; baseUrl: string; onAttempt?: AttemptListener }) {
  const { rt } = o;
  // A gateway behind a proxy at https://host/prefix sees /v1/...: the signed path leaves the prefix out.
  const prefix = new URL(o.baseUrl).pathname.replace(/\/+$/, "");
  const signedPath = (url: string) => {
    const path = new URL(url).pathname;
    return prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
  };
  return async function transport(request: Request): Promise<Response> {
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const base = new Headers(request.headers);
    if (request.method === "POST" && !base.has("idempotency-key")) base.set("idempotency-key", randomUUID());
    let renewed = false;
    for (;;) {
      let usedToken = "";
      const res = await sendWithRetries(rt, async () => {
        const headers = new Headers(base);
        usedToken = await o.tokens.get();
        headers.set("authorization", `Bearer ${usedToken}`);
        if (body) headers.set("x-jws-signature", await signDetached(body, o.key, Math.floor(rt.now() / 1000), { method: request.method, path: signedPath(request.url) }));
        else headers.delete("x-jws-signature");
        o.onAttempt?.({ method: request.method, url: request.url, body, headers });
        return fetchOnce(rt, request.url, { method: request.method, headers, ...(body ? { body } : {}), signal: request.signal });
      });
      // A token the gateway no longer accepts (key revoked and re-added, gateway key rotated...):
      // fetch a new one and try once more.
      if (res.status === 401 && !renewed && (await isInvalidToken(res))) {
        renewed = true;
        o.tokens.invalidate(usedToken);
        await res.body?.cancel().catch(() => {});
        continue;
      }
      return res;
    }
  };
}

async function isInvalidToken(res: Response): Promise<boolean> {
  if (/invalid_token/i.test(res.headers.get("www-authenticate") ?? "")) return true;
  try {
    const problem = (await res.clone().json()) as Problem;
    return problem.code === "TOKEN_INVALID";
  } catch {
    return false;
  }
}
