// Test helpers for the signed platform channel: onboard a platform with fresh keys (as the CLI
// does), fetch access tokens through /oauth/token with a private_key_jwt assertion, and send
// bodies signed with a detached JWS (RFC 7797) carrying fresh iat/jti. Plus regulator logins.
import { randomBytes, randomUUID } from "node:crypto";
import { exportJWK, FlattenedSign, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { createPlatform, createRegulatorUser, type RegulatorRole } from "../../src/auth/index.js";
import type { TestGateway } from "./gateway.js";

export type TestAlg = "ES256" | "EdDSA";

export interface TestKey {
  kid: string;
  alg: TestAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface SignedRequestOptions {
  method?: string;
  contentType?: string;
  /** Default: a fresh random key; null sends none. */
  idempotencyKey?: string | null;
  /** Set or (with null) remove headers after signing, e.g. to break the signature. */
  headerOverrides?: Record<string, string | null>;
  /** Sign with this registered key (default: the first). */
  kid?: string;
  /** Sign with a key that need not be registered (wrong-key tests). */
  signingKey?: TestKey;
  /** Scopes for the access token (default: all the platform's). */
  scopes?: string[];
  /** Protected-header fields to set or override (iat, jti, ...). */
  header?: Record<string, unknown>;
}

export interface OnboardedPlatform {
  platformId: string;
  clientId: string;
  keys: TestKey[];
  /** An access token from POST /oauth/token (cached per scope set until near expiry). */
  token(scopes?: string[]): Promise<string>;
  /** A client assertion JWT (RFC 7523) for this platform; claims/header may be overridden. */
  assertion(overrides?: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: TestKey }): Promise<string>;
  /** A bearer-authenticated request whose body carries a fresh detached JWS. */
  signedRequest(path: string, body: string | object, options?: SignedRequestOptions): Promise<Response>;
  /** A bearer-authenticated request without a body. */
  get(path: string, options?: { scopes?: string[] }): Promise<Response>;
}

export async function generateTestKey(alg: TestAlg = "ES256", kid = `k-${randomBytes(6).toString("hex")}`): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

/** The protected header's route members for a request: htm (method) and htu (path, no query). */
export const routeOf = (method: string, path: string) => ({ htm: method.toUpperCase(), htu: path.split("?")[0]! });

/** `<protected>..<signature>` over the exact bytes, with b64:false and crit ["b64"]. */
export async function signDetachedBody(bytes: Uint8Array, key: TestKey, header: Record<string, unknown> = {}, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  const jws = await new FlattenedSign(bytes)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, b64: false, crit: ["b64"], iat: nowSeconds, jti: randomUUID(), ...header })
    .sign(key.privateKey);
  return `${jws.protected}..${jws.signature}`;
}

export async function onboardPlatform(
  gw: TestGateway,
  options: { name?: string; scopes?: string[]; webhookUrl?: string; alg?: TestAlg; keyCount?: number } = {},
): Promise<OnboardedPlatform> {
  const keys: TestKey[] = [];
  for (let i = 0; i < (options.keyCount ?? 1); i++) keys.push(await generateTestKey(options.alg ?? "ES256"));
  const deps = gw.system.deps;
  const created = await createPlatform(
    { db: deps.db, clock: deps.clock, actor: { kind: "cli" }, webhookPolicy: deps.webhookPolicy },
    { name: options.name ?? `platform-${randomBytes(4).toString("hex")}`, jwks: { keys: keys.map((k) => k.publicJwk as Record<string, unknown>) }, scopes: options.scopes, webhookUrl: options.webhookUrl },
  );
  const nowSeconds = () => Math.floor(gw.clock.now().getTime() / 1000);
  const tokenCache = new Map<string, { token: string; expiresAt: number }>();

  const assertion: OnboardedPlatform["assertion"] = async (overrides = {}) => {
    const key = overrides.key ?? keys[0]!;
    const now = nowSeconds();
    return new SignJWT({ iss: created.clientId, sub: created.clientId, aud: `${gw.url}/oauth/token`, jti: randomUUID(), iat: now, exp: now + 60, ...overrides.claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...overrides.header })
      .sign(key.privateKey);
  };

  const token = async (scopes?: string[]): Promise<string> => {
    const cacheKey = scopes ? [...scopes].sort().join(" ") : "*";
    const cached = tokenCache.get(cacheKey);
    if (cached && cached.expiresAt - 60 > nowSeconds()) return cached.token;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: created.clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: await assertion(),
    });
    if (scopes) form.set("scope", scopes.join(" "));
    const res = await gw.fetch("/oauth/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (res.status !== 200 || !body.access_token) throw new Error(`token request failed: ${res.status} ${body.error}: ${body.error_description}`);
    tokenCache.set(cacheKey, { token: body.access_token, expiresAt: nowSeconds() + (body.expires_in ?? 0) });
    return body.access_token;
  };

  const signedRequest: OnboardedPlatform["signedRequest"] = async (path, body, o = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const bytes = new TextEncoder().encode(text);
    const key = o.signingKey ?? (o.kid ? keys.find((k) => k.kid === o.kid) : keys[0]);
    if (!key) throw new Error(`no key ${o.kid}`);
    const headers: Record<string, string> = {
      authorization: `Bearer ${await token(o.scopes)}`,
      "content-type": o.contentType ?? "application/json",
      // Signed for this request's method and path (htm, htu); o.header may override them.
      "x-jws-signature": await signDetachedBody(bytes, key, { ...routeOf(o.method ?? "POST", path), ...o.header }, nowSeconds()),
    };
    if (o.idempotencyKey !== null) headers["idempotency-key"] = o.idempotencyKey ?? randomUUID();
    for (const [name, value] of Object.entries(o.headerOverrides ?? {})) {
      if (value === null) delete headers[name.toLowerCase()];
      else headers[name.toLowerCase()] = value;
    }
    return gw.fetch(path, { method: o.method ?? "POST", headers, body: bytes });
  };

  const get: OnboardedPlatform["get"] = async (path, o = {}) =>
    gw.fetch(path, { headers: { authorization: `Bearer ${await token(o.scopes)}` } });

  return { platformId: created.platformId, clientId: created.clientId, keys, token, assertion, signedRequest, get };
}

export interface LoggedInRegulator {
  token: string;
  userId: string;
  username: string;
  password: string;
}

/** Creates a regulator user (as the CLI does) and logs in through POST /v1/auth/login. */
export async function loginRegulator(gw: TestGateway, options: { role: RegulatorRole; regionPrefix: string }): Promise<LoggedInRegulator> {
  const deps = gw.system.deps;
  const username = `reg-${randomBytes(5).toString("hex")}`;
  const user = await createRegulatorUser(
    { db: deps.db, clock: deps.clock, actor: { kind: "cli" } },
    { username, role: options.role, regionPrefix: options.regionPrefix },
  );
  const password = user.password!;
  const res = await gw.fetch("/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { token?: string; detail?: string };
  if (res.status !== 200 || !body.token) throw new Error(`login failed: ${res.status} ${body.detail}`);
  return { token: body.token, userId: user.userId, username, password };
}
