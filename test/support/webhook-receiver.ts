// A platform's webhook endpoint for tests: records every request (headers and raw body) on
// 127.0.0.1:0 and answers `status(n)` to its n-th request (1-based; 204 by default).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  hits: ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(status: (n: number) => number = () => 204): Promise<WebhookReceiver> {
  const hits: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s = status(hits.length + 1);
      hits.push({ headers: req.headers, body: Buffer.concat(chunks), status: s });
      res.writeHead(s).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
