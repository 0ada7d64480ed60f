// RFC 8414 metadata, fetched once per client (and again after a failure), and the gateway's
// JWKS through jose's remote key set (cached, refetched on an unknown kid with a cool-down).
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from "jose";
import type { components } from "./generated/openapi.js";
import { GatewayError } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { errorFromResponse, fetchOnce, sendWithRetries } from "./send.js";

export type AuthorizationServerMetadata = components["schemas"]["AuthorizationServerMetadata"];

export interface Discovery {
  metadata(): Promise<AuthorizationServerMetadata>;
  /** Key lookup over the gateway's published keys (receipts, webhooks). */
  keys(): Promise<JWTVerifyGetKey>;
}

export function createDiscovery(baseUrl: string, rt: Runtime): Discovery {
  let metadata: Promise<AuthorizationServerMetadata> | undefined;
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const load = async (): Promise<AuthorizationServerMetadata> => {
    const url = `${baseUrl}/.well-known/oauth-authorization-server`;
    const res = await sendWithRetries(rt, () => fetchOnce(rt, url, { headers: { accept: "application/json" } }));
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as AuthorizationServerMetadata;
    if (!body.token_endpoint || !body.jwks_uri || !body.issuer) {
      throw new GatewayError(res.status, "DISCOVERY_INVALID", { detail: "metadata without issuer, token_endpoint or jwks_uri" }, undefined);
    }
    return body;
  };
  return {
    metadata() {
      metadata ??= load().catch((err: unknown) => {
        metadata = undefined; // try again next time
        throw err;
      });
      return metadata;
    },
    keys() {
      // The key set is fetched like any call: retried through a gateway restart, and a fetch
      // that never got an answer ends as NETWORK_ERROR, not as a "bad receipt".
      const retrying = {
        fetch: (async (url, init) => {
          const res = await sendWithRetries(rt, () => fetchOnce(rt, String(url), init ?? {}));
          if (res.status >= 500 || res.status === 429) throw await errorFromResponse(res);
          return res;
        }) as Runtime["fetch"],
      };
      // jose's own cut-off must leave room for those retries (each attempt has its own timeout).
      const patience = rt.requestTimeoutMs * (rt.retry.retries + 1) + rt.retry.maxDelayMs * rt.retry.retries;
      keys ??= this.metadata().then((m) => remoteKeySet(m.jwks_uri, retrying, patience)).catch((err: unknown) => {
        keys = undefined;
        throw err;
      });
      return keys;
    },
  };
}

export function remoteKeySet(jwksUri: string, rt: Pick<Runtime, "fetch">, timeoutMs?: number): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUri), {
    ...(timeoutMs !== undefined ? { timeoutDuration: timeoutMs } : {}),
    cacheMaxAge: 10 * 60_000,
    cooldownDuration: 30_000,
    [customFetch]: (url, options) => rt.fetch(url, options as RequestInit),
  });
}
