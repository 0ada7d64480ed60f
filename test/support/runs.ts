// A reclassification run as a regulator follows it: GET /v1/regulator/reclassifications/{id}
// until it has finished (done or failed).
import type { TestGateway } from "./gateway.js";

export interface RunView {
  status: string;
  processed: number;
  modelVersion: string;
  counts: Record<string, number> | null;
  transitions: Record<string, number> | null;
}

export async function runFinished(gw: Pick<TestGateway, "fetch">, runId: string, token: string): Promise<RunView> {
  for (let i = 0; i < 300; i++) {
    const res = await gw.fetch(`/v1/regulator/reclassifications/${runId}`, { headers: { authorization: `Bearer ${token}` } });
    const run = (await res.json()) as RunView;
    if (run.status === "done" || run.status === "failed") return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}
