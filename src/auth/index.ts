// The auth module: the gateway's signing keys and signer, OAuth discovery and token endpoint,
// the bearer authenticators, the detached-JWS body verifier, platform/key and regulator verbs.
import type { Authenticator, BodyVerifier, Handlers } from "../http/router.js";
import type { Publish } from "../exchange/outbound/types.js";
import type { ServiceDeps } from "../services.js";
import type { Actor } from "./actor.js";
import { accountHandlers } from "./account-handlers.js";
import { createAuthenticators } from "./authenticators.js";
import { createBodyVerifier } from "./body-signature.js";
import { bootstrapFirstAdmin } from "./bootstrap-admin.js";
import { createGatewayKeys, type GatewayKeys } from "./gateway-keys.js";
import { createGatewaySigner } from "./gateway-signer.js";
import { loadKek } from "./key-encryption.js";
import { createHashingGate, type HashingGateLimits } from "./hashing-gate.js";
import { loginHandler } from "./login.js";
import { createLoginThrottle, type LoginLimits } from "./login-throttle.js";
import { dummyPasswordHash } from "./passwords.js";
import { oauthHandlers } from "./oauth.js";
import { platformHandlers } from "./platform-handlers.js";
import type { GatewaySigner } from "./signer.js";
import { createJtiStore } from "./used-jti.js";

export { type Actor, type VerbContext } from "./actor.js";
export {
  PLATFORM_SCOPES,
  addPlatformKey,
  changePlatformKey,
  createPlatform,
  listOwnKeys,
  listPlatforms,
  registerOwnKey,
  retireOwnKey,
  type ChangeKeyInput,
  type CreatePlatformInput,
  type KeyInput,
  type PlatformScope,
} from "./platforms.js";
export type { PlatformKeyView, PlatformView } from "./platform-views.js";
export { createRegulatorUser, type CreateRegulatorUserInput, type CreatedRegulatorUser, type RegulatorRole } from "./regulator-users.js";
export {
  disableRegulatorUser,
  enableRegulatorUser,
  listRegulatorUsers,
  regulatorIdByUsername,
  resetRegulatorPassword,
  type RegulatorUserView,
} from "./regulator-accounts.js";
export { reactivatePlatform, suspendPlatform } from "./platform-status.js";
export type { GatewayKeys, GatewayKeyView } from "./gateway-keys.js";
export { ACCESS_TOKEN_TYP, ACCESS_TOKEN_TTL_SECONDS } from "./oauth.js";
export { REGULATOR_TOKEN_TYP } from "./authenticators.js";
export { REGULATOR_TOKEN_TTL_SECONDS } from "./login.js";
export { DEFAULT_RETENTION_MS as GATEWAY_KEY_RETENTION_MS } from "./gateway-keys.js";
export { KekMismatchError } from "./key-encryption.js";
export type { GatewaySigner } from "./signer.js";

export interface AuthModule {
  handlers: Handlers;
  authenticators: Record<string, Authenticator>;
  bodyVerifier: BodyVerifier;
  signer: GatewaySigner;
  /** Ensures the gateway keys exist (and, embedded, the first admin); before serving. */
  start(): Promise<void>;
  /** New active gateway key; the old one is retired but stays published (default 10 years). */
  rotateGatewayKey(ctx: { actor: Actor }): Promise<{ kid: string; retired: string[] }>;
  /** The gateway key store (tests, CLI). */
  gatewayKeys: GatewayKeys;
  stop(): Promise<void>;
}

export interface LoginOptions {
  /** The header a trusted reverse proxy sets to the client's address (config's TRUSTED_PROXY_HEADER). */
  trustedProxyHeader?: string | undefined;
  /** Where the throttle keeps its buckets in Redis (tests give each gateway its own). */
  redisPrefix?: string;
  limits?: LoginLimits;
  hashing?: HashingGateLimits;
}

export function createAuth(deps: ServiceDeps & { gatewayKeyRetentionMs?: number; login?: LoginOptions; publish: Publish }): AuthModule {
  let kek: Buffer | undefined;
  const gatewayKeys = createGatewayKeys({
    db: deps.db,
    clock: deps.clock,
    kek: () => (kek ??= loadKek(deps)),
    ...(deps.gatewayKeyRetentionMs !== undefined ? { retentionMs: deps.gatewayKeyRetentionMs } : {}),
  });
  const signer = createGatewaySigner({ keys: gatewayKeys, clock: deps.clock, issuer: deps.issuer });
  const jtis = createJtiStore(deps);
  const login = deps.login ?? {};
  const throttle = createLoginThrottle({
    clock: deps.clock,
    redisUrl: deps.redisUrl,
    redisPrefix: login.redisPrefix ?? "csg:login:",
    ...(login.limits ? { limits: login.limits } : {}),
    onStoreError: (err) => deps.logger.warn({ err: err.message }, "login throttle store unavailable; attempt let through"),
  });
  return {
    handlers: {
      ...oauthHandlers({ db: deps.db, clock: deps.clock, jtis, issuer: deps.issuer, signer }),
      login: loginHandler({
        db: deps.db,
        clock: deps.clock,
        signer,
        issuer: deps.issuer,
        throttle,
        gate: createHashingGate(login.hashing),
        trustedProxyHeader: login.trustedProxyHeader,
      }),
      ...platformHandlers(deps),
      ...accountHandlers({ db: deps.db, clock: deps.clock, gatewayKeys }),
    },
    authenticators: createAuthenticators({ db: deps.db, signer, issuer: deps.issuer }),
    bodyVerifier: createBodyVerifier({ db: deps.db, clock: deps.clock, jtis }),
    signer,
    async start() {
      await gatewayKeys.ensureActive();
      await bootstrapFirstAdmin(deps);
      // Computed now, so the first unknown username does not take longer than a known one.
      await dummyPasswordHash();
    },
    stop: () => throttle.close(),
    rotateGatewayKey: (ctx) => gatewayKeys.rotate(ctx),
    gatewayKeys,
  };
}

/** The gateway key store for the CLI, without building the whole system. */
export function openGatewayKeys(deps: Pick<ServiceDeps, "db" | "clock" | "keyEncryptionKey" | "embedded" | "dataDir">): GatewayKeys {
  return createGatewayKeys({ db: deps.db, clock: deps.clock, kek: () => loadKek(deps) });
}

/** Rotation for the CLI, without building the whole system. */
export async function rotateGatewayKey(
  ctx: { actor: Actor } & Pick<ServiceDeps, "db" | "clock" | "keyEncryptionKey" | "embedded" | "dataDir">,
): Promise<{ kid: string; retired: string[] }> {
  return openGatewayKeys(ctx).rotate(ctx);
}
