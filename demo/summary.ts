// The closing summary, shaped like the figures Chengdu published for its credit sandbox (2023):
// merchants whose data was collected, inside the sandbox, warning clues, notices, rectified.
// Every figure is read back from the gateway's public regulator API, not counted by the demo.
import type { Merchants } from "./merchants.js";
import type { Officer } from "./officers.js";
import type { DemoPlatform } from "./platform.js";
import type { DemoPopulation } from "./population.js";

export interface DemoSummary {
  entities: number;
  shops: number;
  byClass: { A: number; B: number; C: number; D: number };
  inSandbox: number;
  warnings: number;
  warningsOpen: number;
  notices: number;
  delivered: number;
  acknowledged: number;
  rectified: number;
  escalated: number;
  stormShops: number;
  /** Webhooks the platforms verified, and refused (expected 0). */
  webhooksVerified: number;
  webhooksRefused: number;
  reviews: { accepted: number; rejected: number };
  seconds: number;
}

/** Chengdu, 2023 (DESIGN §1). */
const CITY = { merchants: 469_000, inSandbox: 86_000, warnings: 15_000, notices: 23_000, rectified: 12_000 };

export async function summarise(o: {
  reviewer: Officer;
  platforms: DemoPlatform[];
  merchants: Merchants;
  population: DemoPopulation;
  stormShops: number;
  seconds: number;
}): Promise<DemoSummary> {
  const ov = await o.reviewer.overview();
  const received = o.platforms.flatMap((p) => [...p.received.values()]);
  return {
    entities: ov.entities.total,
    shops: o.population.shops.length,
    byClass: { A: ov.entities.byClass.A, B: ov.entities.byClass.B, C: ov.entities.byClass.C, D: ov.entities.byClass.D },
    inSandbox: ov.sandbox.inside,
    warnings: await o.reviewer.warningCount(),
    warningsOpen: ov.warnings.open,
    notices: ov.notices.issued,
    delivered: ov.notices.delivered,
    acknowledged: ov.notices.acknowledged,
    rectified: ov.notices.rectified,
    escalated: ov.notices.escalated,
    stormShops: o.stormShops,
    webhooksVerified: received.reduce((a, n) => a + n, 0),
    webhooksRefused: o.platforms.reduce((a, p) => a + p.refused, 0),
    reviews: { ...o.reviewer.figures },
    seconds: Math.round(o.seconds),
  };
}

const pct = (n: number, of: number) => (of === 0 ? "–" : `${((100 * n) / of).toFixed(1)}%`);
const num = (n: number) => n.toLocaleString("en-US");

/** The summary as terminal lines, beside the city's figures. */
export function summaryLines(s: DemoSummary): string[] {
  const row = (label: string, demo: string, city: string) => `  ${label.padEnd(12, "　")}${demo.padStart(22)}   ${city}`;
  return [
    `演示结束（${s.seconds} 秒）。与成都市 2023 年信用沙盒数据对照：`,
    row("", "本次演示", "成都市（2023）"),
    row("网店 / 主体", `${num(s.shops)} / ${num(s.entities)}`, `${num(CITY.merchants)} 家网络经营主体`),
    row("分类 A/B/C/D", `${s.byClass.A}/${s.byClass.B}/${s.byClass.C}/${s.byClass.D}`, "—"),
    row("沙盒内", `${num(s.inSandbox)}（${pct(s.inSandbox, s.entities)}）`, `${num(CITY.inSandbox)}（${pct(CITY.inSandbox, CITY.merchants)}）`),
    row("预警线索", `${num(s.warnings)}（${pct(s.warnings, s.entities)}）`, `${num(CITY.warnings)}+（${pct(CITY.warnings, CITY.merchants)}）`),
    row("行政提示", `${num(s.notices)}（送达 ${num(s.delivered)}）`, `${num(CITY.notices)}+`),
    row("已整改", `${num(s.rectified)}（${pct(s.rectified, s.notices)}）`, `${num(CITY.rectified)}+（${pct(CITY.rectified, CITY.notices)}）`),
    row("逾期移交", num(s.escalated), "—"),
    `  投诉风暴 ${s.stormShops} 家网店；平台验签 webhook ${num(s.webhooksVerified)} 条，拒收 ${s.webhooksRefused} 条；` +
      `监管员审核通过 ${s.reviews.accepted}、退回 ${s.reviews.rejected}。`,
  ];
}
