// Discovery (RFC 8414), the JWKS and the token endpoint (client_credentials + private_key_jwt).
// The token endpoint answers errors exactly as RFC 6749 §5.2 says — JSON {error,
// error_description}, 400, or 401 with WWW-Authenticate for invalid_client — never problem+json,
// so it checks its whole form itself.
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import { authenticateClient, ClientAuthError, type AssertionDeps } from "./client-assertion.js";
import { PLATFORM_ALGS } from "./platform-jwk.js";
import { PLATFORM_SCOPES } from "./platforms.js";
import type { GatewaySigner } from "./signer.js";
import { MAX_TOKEN_LIFETIME_SECONDS } from "./token-lifetimes.js";

export const ACCESS_TOKEN_TYP = "at+jwt";
export const ACCESS_TOKEN_TTL_SECONDS = MAX_TOKEN_LIFETIME_SECONDS[ACCESS_TOKEN_TYP]!;

type OAuthErrorCode = "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export function oauthHandlers(deps: AssertionDeps & { signer: GatewaySigner }): Handlers {
  const { issuer, signer } = deps;

  const oauthError = (c: Context<AppEnv>, error: OAuthErrorCode, description: string) => {
    const headers: Record<string, string> = { ...NO_STORE };
    const status = error === "invalid_client" ? 401 : 400;
    if (status === 401) headers["WWW-Authenticate"] = `Bearer realm="${issuer}", error="invalid_client"`;
    c.get("log")?.info({ oauthError: error, description }, "token request refused");
    return c.json({ error, error_description: description }, status, headers);
  };

  return {
    getAuthorizationServerMetadata: (c) =>
      c.json(
        {
          issuer,
          token_endpoint: `${issuer}/oauth/token`,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          grant_types_supported: ["client_credentials"],
          token_endpoint_auth_methods_supported: ["private_key_jwt"],
          token_endpoint_auth_signing_alg_values_supported: [...PLATFORM_ALGS],
          scopes_supported: [...PLATFORM_SCOPES],
          response_types_supported: [],
          service_documentation: `${issuer}/docs`,
        },
        200,
        { "Cache-Control": "public, max-age=300" },
      ),

    getJwks: async (c) => c.json(await signer.jwks(), 200, { "Cache-Control": "public, max-age=60" }),

    postToken: async (c, input) => {
      const form = (input.body ?? {}) as Record<string, string | undefined>;
      if (form.grant_type === undefined) return oauthError(c, "invalid_request", "grant_type is required");
      if (form.grant_type !== "client_credentials") return oauthError(c, "unsupported_grant_type", "only client_credentials is supported");
      let platform;
      try {
        platform = await authenticateClient(deps, form);
      } catch (err) {
        if (err instanceof ClientAuthError) return oauthError(c, "invalid_client", err.message);
        throw err;
      }
      let scopes = platform.scopes;
      if (form.scope !== undefined && form.scope.trim() !== "") {
        const requested = [...new Set(form.scope.split(" ").filter((s) => s !== ""))];
        const notAllowed = requested.filter((s) => !platform.scopes.includes(s));
        if (notAllowed.length > 0) return oauthError(c, "invalid_scope", `not granted to this client: ${notAllowed.join(" ")}`);
        scopes = requested;
      }
      const scope = scopes.join(" ");
      const accessToken = await signer.signJwt(
        { client_id: platform.clientId, scope, tv: platform.tokenVersion },
        { typ: ACCESS_TOKEN_TYP, audience: issuer, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS, subject: platform.id },
      );
      return c.json({ access_token: accessToken, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECONDS, scope }, 200, NO_STORE);
    },
  };
}
