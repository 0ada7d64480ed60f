// The pinned request over TLS: the connection goes to the address that was checked, while the
// TLS handshake names the host (SNI) and the certificate is verified against it — a receiver
// with a certificate no CA vouches for is refused, in fixed words. The certificate is made for
// the test with the openssl command (skipped where there is none), never stored in the repo.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRICT_OUTBOUND_POLICY } from "./outbound-address.js";
import { OutboundFailure, postPinned, type HostResolver } from "./outbound-request.js";

const NAME = "hooks.platform.test";
const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let server: Server;
let port: number;
/** The names clients asked for in their TLS ClientHello. */
const serverNames: string[] = [];

beforeAll(async () => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "tls-"));
  const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`],
    { stdio: "ignore" },
  );
  const context = createSecureContext({ key: readFileSync(key), cert: readFileSync(cert) });
  server = createServer(
    {
      key: readFileSync(key),
      cert: readFileSync(cert),
      SNICallback: (name, done) => {
        serverNames.push(name);
        done(null, context);
      },
    },
    (_req, res) => res.writeHead(204).end(),
  );
  server.on("tlsClientError", () => {}); // the client refusing our certificate is the point
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  if (!hasOpenssl) return;
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasOpenssl)("postPinned over https", () => {
  it("connects to the checked address, sends the name as SNI and refuses a certificate no CA vouches for", async () => {
    const resolve: HostResolver = async () => [{ address: "127.0.0.1", family: 4 }];
    const failure = await postPinned(`https://${NAME}:${port}/hook`, new Uint8Array(), {
      policy: { ...STRICT_OUTBOUND_POLICY, allowPrivateAddresses: true },
      resolve,
      timeoutMs: 5_000,
      headers: {},
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OutboundFailure);
    expect((failure as OutboundFailure).permanent).toBe(false);
    expect((failure as Error).message).toBe("connection failed (DEPTH_ZERO_SELF_SIGNED_CERT)");
    expect(serverNames).toEqual([NAME]);
  });
});
