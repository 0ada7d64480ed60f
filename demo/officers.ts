// The city's officer at work, through the public regulator API only: reviews every submitted
// rectification (most accepted; a first submission is sometimes sent back with a reason) and
// reads the figures the closing summary shows. Logs in again when the session has expired, as
// the console does.
import type { components } from "../src/generated/openapi.js";
import { createRng, type Rng } from "../src/scoring/index.js";
import { inParallel } from "./parallel.js";

type Case = components["schemas"]["RectificationCase"];
export type Overview = components["schemas"]["RegulatorOverview"];

export interface OfficerFigures {
  accepted: number;
  rejected: number;
}

export class Officer {
  private token: string | null = null;
  private readonly rng: Rng;
  readonly figures: OfficerFigures = { accepted: 0, rejected: 0 };

  constructor(
    private readonly gatewayUrl: string,
    private readonly credentials: { username: string; password: string },
    seed: number,
  ) {
    this.rng = createRng(`officer:${seed}`);
  }

  /** Reviews every submitted case (a few at once); returns the ids of those sent back. */
  async review(): Promise<string[]> {
    const sentBack: string[] = [];
    const cases = await this.submittedCases();
    // Decisions are drawn in the cases' order before any is sent, so a seed gives the same ones.
    const decisions = cases.map((c) => ({ c, reject: c.submissions === 1 && this.rng.bernoulli(0.15) }));
    await inParallel(decisions, 4, async ({ c, reject }) => {
      const decision = reject ? { decision: "reject", comment: "整改材料不完整，请补充退款凭证。" } : { decision: "accept", comment: "整改到位，予以认可。" };
      await this.call("POST", `/v1/regulator/rectifications/${c.caseId}/review`, decision);
      if (reject) {
        sentBack.push(c.caseId);
        this.figures.rejected++;
      } else this.figures.accepted++;
    });
    return sentBack;
  }

  async overview(): Promise<Overview> {
    return (await this.call("GET", "/v1/regulator/overview")) as Overview;
  }

  /** Every warning raised, open or not (keyset pages). */
  async warningCount(): Promise<number> {
    let n = 0;
    let cursor: string | null = null;
    do {
      const page = (await this.call("GET", `/v1/regulator/warnings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)) as { warnings: unknown[]; nextCursor: string | null };
      n += page.warnings.length;
      cursor = page.nextCursor;
    } while (cursor);
    return n;
  }

  private async submittedCases(): Promise<Case[]> {
    const out: Case[] = [];
    let cursor: string | null = null;
    do {
      const page = (await this.call("GET", `/v1/regulator/rectifications?status=submitted&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)) as { cases: Case[]; nextCursor: string | null };
      out.push(...page.cases);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      this.token ??= await this.login();
      const res = await fetch(this.gatewayUrl + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status === 401 && attempt === 0) {
        this.token = null; // the demo's clock jumps days: the session expired meanwhile
        continue;
      }
      if (!res.ok) throw new Error(`officer ${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    }
  }

  private async login(): Promise<string> {
    const res = await fetch(`${this.gatewayUrl}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(this.credentials) });
    if (!res.ok) throw new Error(`officer login: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }
}
