// Access tokens by client credentials with private_key_jwt (RFC 7523 §2.2): a fresh, short
// assertion per request (iss = sub = client id, aud = the token endpoint, exp 60 s, new jti).
// The token is cached and renewed before it runs out; concurrent callers share one request.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Discovery } from "./discovery.js";
import { GatewayError } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { errorFromResponse, fetchOnce, sendWithRetries } from "./send.js";
import type { SigningKey } from "./signing-key.js";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ASSERTION_LIFETIME_S = 60;

export interface TokenSource {
  /** A valid access token (cached, or fetched now). */
  get(): Promise<string>;
  /** Forgets `token` (the gateway said invalid_token), so the next get() fetches a new one. */
  invalidate(token: string): void;
}

interface Held {
  token: string;
  /** When to stop using it (ms): some time before its real expiry. */
  renewAtMs: number;
}

export function createTokenSource(o: { clientId: string; key: SigningKey; scopes: string[] | undefined; discovery: Discovery; rt: Runtime }): TokenSource {
  const { rt } = o;
  let held: Held | undefined;
  let pending: Promise<Held> | undefined;

  const request = async (): Promise<Held> => {
    const { token_endpoint: tokenEndpoint } = await o.discovery.metadata();
    const res = await sendWithRetries(rt, async () => {
      // A new assertion per attempt: the gateway remembers each jti and accepts it once.
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: o.clientId,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await assertion(tokenEndpoint),
      });
      if (o.scopes?.length) form.set("scope", o.scopes.join(" "));
      return fetchOnce(rt, tokenEndpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      });
    });
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    if (typeof body.access_token !== "string" || typeof body.expires_in !== "number" || String(body.token_type).toLowerCase() !== "bearer") {
      throw new GatewayError(res.status, "TOKEN_RESPONSE_INVALID", { detail: "token response without a bearer access_token and expires_in" }, res.headers.get("x-request-id") ?? undefined);
    }
    const lifetimeMs = body.expires_in * 1000;
    // Renew when a fifth of the lifetime is left (at most a minute, at least 5 s early).
    const marginMs = Math.max(5_000, Math.min(60_000, lifetimeMs / 5));
    return { token: body.access_token, renewAtMs: rt.now() + Math.max(0, lifetimeMs - marginMs) };
  };

  const assertion = async (audience: string): Promise<string> => {
    const nowS = Math.floor(rt.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: o.key.alg, kid: o.key.kid, typ: "JWT" })
      .setIssuer(o.clientId)
      .setSubject(o.clientId)
      .setAudience(audience)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + ASSERTION_LIFETIME_S)
      .setJti(randomUUID())
      .sign(o.key.key);
  };

  return {
    async get() {
      if (held && rt.now() < held.renewAtMs) return held.token;
      pending ??= request().finally(() => {
        pending = undefined;
      });
      held = await pending;
      return held.token;
    },
    invalidate(token) {
      if (held?.token === token) held = undefined;
    },
  };
}
