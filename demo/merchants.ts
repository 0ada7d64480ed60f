// Merchants answering their notices through the link their platform gave them: no account, the
// link's token as a bearer credential, the public merchant API. Most answer within days, some
// only after the deadline (their case is escalated first), a few never; a rejected submission
// is done again two days later. Who does what is drawn from the demo's seed.
import { createRng, type Rng } from "../src/scoring/index.js";
import { inParallel } from "./parallel.js";
import { DAY_MS } from "./population.js";

type Behaviour = "prompt" | "late" | "silent";

interface NoticeInHand {
  noticeId: string;
  caseId: string;
  platform: string;
  token: string;
  receivedAt: number;
  dueAt: number;
  behaviour: Behaviour;
  acknowledged: boolean;
  /** When the next submission is due (ms), or null when nothing is planned. */
  submitAt: number | null;
  /** Submissions made so far (each one's idempotency key). */
  submissions: number;
}

export interface MerchantFigures {
  notices: number;
  acknowledged: number;
  submissions: number;
  late: number;
  silent: number;
}

/** The token of a merchant link: it travels in the fragment (`/m#t=...`), as the merchant's browser reads it. */
export function linkToken(merchantUrl: string): string {
  const token = new URLSearchParams(new URL(merchantUrl).hash.replace(/^#/, "")).get("t");
  if (!token) throw new Error(`no token in the merchant link's fragment: ${new URL(merchantUrl).pathname}`);
  return token;
}

export class Merchants {
  private readonly rng: Rng;
  private readonly inHand = new Map<string, NoticeInHand>();
  readonly figures: MerchantFigures = { notices: 0, acknowledged: 0, submissions: 0, late: 0, silent: 0 };

  constructor(private readonly gatewayUrl: string, seed: number) {
    this.rng = createRng(`merchants:${seed}`);
  }

  /** A notice reaches its merchant (through the first platform that relays it). */
  receive(n: { noticeId: string; caseId: string; platform: string; merchantUrl: string; dueAt: string }, now: Date): void {
    if (this.inHand.has(n.noticeId)) return;
    const u = this.rng.next();
    const behaviour: Behaviour = u < 0.7 ? "prompt" : u < 0.88 ? "late" : "silent";
    if (behaviour === "late") this.figures.late++;
    if (behaviour === "silent") this.figures.silent++;
    const dueAt = Date.parse(n.dueAt);
    const receivedAt = now.getTime();
    this.figures.notices++;
    this.inHand.set(n.noticeId, {
      ...n,
      token: linkToken(n.merchantUrl),
      receivedAt,
      dueAt,
      behaviour,
      acknowledged: false,
      submissions: 0,
      submitAt: behaviour === "prompt" ? receivedAt + (2 + this.rng.int(4)) * DAY_MS : behaviour === "late" ? dueAt + (1 + this.rng.int(4)) * DAY_MS : null,
    });
  }

  /** An officer rejected the merchant's evidence: it does the work again and submits two days later. */
  rejected(caseId: string, now: Date): void {
    for (const n of this.inHand.values()) if (n.caseId === caseId) n.submitAt = now.getTime() + 2 * DAY_MS;
  }

  /** Everything merchants do up to `now` (several merchants at once). */
  async act(now: Date): Promise<void> {
    const t = now.getTime();
    await inParallel([...this.inHand.values()], 4, async (n) => {
      if (n.behaviour === "silent") return;
      const ackAt = n.behaviour === "prompt" ? n.receivedAt + DAY_MS : n.receivedAt + 5 * DAY_MS;
      if (!n.acknowledged && t >= ackAt) {
        n.acknowledged = true;
        await this.call(n, "/v1/merchant/notice/acknowledge", { note: "已收到提示，正在整改。" });
        this.figures.acknowledged++;
      }
      if (n.submitAt !== null && t >= n.submitAt) {
        n.submitAt = null;
        await this.call(n, "/v1/merchant/notice/evidence", {
          text: "已下架问题商品，逐一联系投诉消费者退款并完成自查，附整改说明。",
          links: [`https://merchant.example/rectification/${n.caseId}`],
        });
        n.submissions++;
        this.figures.submissions++;
      }
    });
  }

  private async call(n: NoticeInHand, path: string, body: unknown): Promise<void> {
    const res = await fetch(this.gatewayUrl + path, {
      method: "POST",
      headers: { authorization: `Bearer ${n.token}`, "content-type": "application/json", "idempotency-key": `${n.caseId}:${path}:${n.submissions}` },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`merchant ${path} for notice ${n.noticeId}: ${res.status} ${await res.text()}`);
  }
}
