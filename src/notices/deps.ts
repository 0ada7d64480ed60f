// What the notice module's verbs are built from (narrowed per verb with Pick<>).
import type { Actor } from "../auth/actor.js";
import type { GatewaySigner } from "../auth/signer.js";
import type { components } from "../generated/openapi.js";
import type { Executor } from "../db/client.js";
import type { Publish } from "../exchange/outbound/types.js";
import type { ServiceDeps } from "../services.js";
import type { NoticeOptions } from "./options.js";
import type { MerchantLinkDeps } from "./link.js";

export interface NoticesDeps extends ServiceDeps {
  signer: GatewaySigner;
  /** Outbound messages to named platforms (notice.issued, rectification.updated). */
  publish: Publish;
  options: NoticeOptions;
  /** monitoring.closeWarnings: an accepted rectification closes its warning. */
  closeWarnings: (tx: Executor, ids: readonly string[], close: { by: string; reason: string }) => Promise<string[]>;
  /** The restoration module's explanation for the merchant page (absent: the page has no such section). */
  restoration?: (actor: Actor) => Promise<components["schemas"]["Restoration"]>;
}

export const linkDeps = (d: Pick<NoticesDeps, "signer" | "clock" | "issuer">): MerchantLinkDeps => ({ signer: d.signer, clock: d.clock, issuer: d.issuer });

/** A notice verb's context: the parts of the module it uses and who is asking. */
export type NoticeContext<K extends keyof NoticesDeps = never> = Pick<NoticesDeps, "db" | "clock" | K> & { actor: Actor };
