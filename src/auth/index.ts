// PLACEHOLDER (issue 3, auth): replaced by the real module. Kept only so the app mounts while
// the exchange is built in parallel.
import { AppError } from "../http/errors.js";
import type { Authenticator, BodyVerifier, Handlers } from "../http/router.js";
import type { ServiceDeps } from "../services.js";
import type { GatewaySigner } from "./signer.js";

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

export interface AuthModule {
  handlers: Handlers;
  authenticators: Record<string, Authenticator>;
  bodyVerifier: BodyVerifier;
  signer: GatewaySigner;
  /** Ensures the gateway keys exist (and, embedded, the first admin); before serving. */
  start(): Promise<void>;
}

const todo = () => {
  throw new AppError("INTERNAL", "not implemented yet");
};

export function createAuth(_deps: ServiceDeps): AuthModule {
  return {
    handlers: {
      getAuthorizationServerMetadata: todo,
      getJwks: todo,
      postToken: todo,
      listOwnKeys: todo,
      registerOwnKey: todo,
      retireOwnKey: todo,
      login: todo,
      listPlatforms: todo,
      createPlatform: todo,
      addPlatformKey: todo,
      changePlatformKey: todo,
    },
    authenticators: { platformOAuth: async () => todo(), regulatorToken: async () => todo() },
    bodyVerifier: async () => todo(),
    signer: { signJwt: todo, verifyJwt: todo, signCompact: todo, signDetached: todo, jwks: todo },
    start: async () => {},
  };
}
