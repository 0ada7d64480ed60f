// What every request carries through the Hono pipeline.
import type { Logger } from "pino";

/** Who is calling, set by the authenticator that accepted the request. */
export type Principal =
  | { kind: "platform"; platformId: string; clientId: string; scopes: string[] }
  | { kind: "regulator"; userId: string; role: "viewer" | "officer" | "admin"; regionPrefix: string }
  /** A merchant link: one notice, the link row (the token's jti) and the platform it was issued to, which relays what the merchant does. */
  | { kind: "merchant"; noticeId: string; entityId: string; linkId: string; platformId: string };

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** operationId of the matched spec operation, for logs and metrics. */
    operationId: string | undefined;
    /** Route template of the matched operation (low-cardinality metrics label). */
    route: string | undefined;
    principal: Principal | undefined;
    /** The verified detached body signature (x-signed-body operations): evidence for the batch row. */
    signature?: { kid: string; jws: string } | undefined;
  };
}
