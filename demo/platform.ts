// One simulated e-commerce platform, built only from what a real one has: a key pair registered
// with the gateway, the SDK, and a webhook endpoint that verifies every delivery before it
// believes it. Notices it hears of are handed to their merchants (the demo's merchant model).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import { createGatewayClient, verifyWebhook, type GatewayClient, type WebhookMessage } from "@credit-sandbox/sdk";
import { createPlatform } from "../src/auth/index.js";
import type { Clock } from "../src/clock.js";
import type { System } from "../src/system.js";
import type { PlatformKey } from "./population.js";

export interface DemoPlatform {
  key: PlatformKey;
  name: string;
  platformId: string;
  sdk: GatewayClient;
  /** Verified webhook messages not yet handled, in arrival order. */
  inbox: WebhookMessage[];
  /** Deliveries that failed verification (the demo expects none). */
  refused: number;
  /** Every verified message, by type. */
  received: Map<string, number>;
  close(): Promise<void>;
}

export async function startDemoPlatform(o: { key: PlatformKey; name: string; system: System; gatewayUrl: string; clock: Clock }): Promise<DemoPlatform> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = `${o.key}-2026`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const now = () => o.clock.now().getTime();

  const inbox: WebhookMessage[] = [];
  const received = new Map<string, number>();
  // The clientId the gateway gives the platform; its webhooks must name it as their audience.
  const state = { refused: 0, clientId: "" };
  const server = await listen(async (body, headers) => {
    try {
      const message = await verifyWebhook({ body, headers, jwksUrl: `${o.gatewayUrl}/.well-known/jwks.json`, clientId: state.clientId, now });
      received.set(message.type, (received.get(message.type) ?? 0) + 1);
      inbox.push(message);
      return 204;
    } catch {
      state.refused++;
      return 400;
    }
  });
  const deps = o.system.deps;
  const created = await createPlatform(
    { db: deps.db, clock: deps.clock, actor: { kind: "cli" }, webhookPolicy: deps.webhookPolicy },
    { name: o.name, jwks: { keys: [publicJwk] }, webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` },
  );
  state.clientId = created.clientId;
  const sdk = createGatewayClient({ baseUrl: o.gatewayUrl, clientId: created.clientId, privateJwk: { ...(await exportJWK(privateKey)), kid }, now });
  return {
    key: o.key,
    name: o.name,
    platformId: created.platformId,
    sdk,
    inbox,
    get refused() {
      return state.refused;
    },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A webhook endpoint on 127.0.0.1 handing the raw body and headers to `handle`. */
async function listen(handle: (body: Buffer, headers: Record<string, string | string[] | undefined>) => Promise<number>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(Buffer.concat(chunks), req.headers).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
