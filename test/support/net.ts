import { createServer, type AddressInfo } from "node:net";

/** A free port now: a gateway started as a process must know its port (issuer, discovery URLs). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
