// An entity's profile (GET /v1/regulator/entities/{id}): class with probability, loss and
// expected loss; the score as a bar chart whose bars (the category prior and every indicator's
// log-odds contribution) add up to logit(p); the class history; sandbox status and history;
// warnings; notices with their cases; shops per platform; related entities; registration facts.
import { useMemo } from "preact/hooks";
import { INDICATORS } from "../../../src/scoring/indicators";
import { api, type Schemas } from "../lib/api";
import { Chart, type ChartOption } from "../lib/chart";
import {
  ACTION_LABEL, CASE_STATUS_LABEL, CATEGORY_LABEL, CLASS_COLOR, CLASS_LABEL, ENTITY_TYPE_LABEL, fmtDate, fmtNum, fmtPct, fmtTime, fmtYuan,
  LINK_LABEL, OVERRIDE_LABEL, regionName, SANDBOX_LABEL, SEVERITY_LABEL, TRIGGER_LABEL, WARNING_STATUS_LABEL,
} from "../lib/labels";
import { go, href } from "../lib/route";
import { useApi } from "../lib/useApi";
import { SandboxPanel } from "./sandbox/SandboxPanel";

type Profile = Schemas["EntityProfile"];

const INDICATOR_NAME = new Map<string, string>(INDICATORS.map((i) => [i.id, i.nameZh]));
const indicatorName = (id: string) => (id === "_calibration" ? "模型校准项" : id === "_bound" ? "概率界限" : INDICATOR_NAME.get(id) ?? id);
/** Bars shown one by one; the rest are summed into one bar, so the total still holds. */
const MAX_BARS = 14;

export function EntityProfile({ entityId, canDecide }: { entityId: string; canDecide: boolean }) {
  const { data: e, error, loading } = useApi(() => api.GET("/v1/regulator/entities/{entityId}", { params: { path: { entityId } } }), [entityId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!e) return <p class="muted">{loading ? "加载中…" : ""}</p>;
  const cls = e.riskClass ?? "unclassified";
  return (
    <article aria-labelledby="entity-name" data-testid="entity-profile">
      <div class="title-row">
        <h1 id="entity-name">{e.name}</h1>
        <span class={`badge big c-${cls}`} data-testid="entity-class">
          {CLASS_LABEL[cls]}
        </span>
        <span class={`badge ${e.sandbox?.status === "inside" ? "in" : "out"}`}>{SANDBOX_LABEL[e.sandbox?.status ?? "outside"]}</span>
      </div>
      <p class="muted">
        {e.uscc ?? "无统一社会信用代码"} · {ENTITY_TYPE_LABEL[e.entityType] ?? e.entityType} · {CATEGORY_LABEL[e.category] ?? e.category} · {regionName(e.regionCode)} · {e.address}
      </p>
      <ul class="stats" aria-label="风险评分">
        <li class="stat"><span class="label">违法概率 p</span><span class="value" data-stat="probability">{fmtPct(e.probability, 2)}</span></li>
        <li class="stat"><span class="label">损失指数</span><span class="value" data-stat="loss">{fmtNum(e.loss)}</span></li>
        <li class="stat"><span class="label">期望损失</span><span class="value" data-stat="expectedLoss">{fmtNum(e.expectedLoss)}</span></li>
        <li class="stat">
          <span class="label">评定</span>
          <span class="value small-value">{e.override ? OVERRIDE_LABEL[e.override] ?? e.override : "按评分"}</span>
          <span class="sub">模型 {e.modelVersion ?? "—"} · {fmtTime(e.classifiedAt)}</span>
        </li>
      </ul>
      <div class="grid two">
        <section class="card" aria-labelledby="reasons-title">
          <h2 id="reasons-title">评分构成（对数几率）</h2>
          <ReasonsChart e={e} />
          <ol class="reasons" data-testid="reasons">
            {e.reasons?.map((r) => (
              <li key={r.indicator} data-indicator={r.indicator}>
                {r.textZh}
              </li>
            ))}
          </ol>
        </section>
        <section class="card" aria-labelledby="history-title">
          <h2 id="history-title">分类历史</h2>
          <HistoryChart e={e} />
          <Registration e={e} />
        </section>
      </div>
      <SandboxPanel entityId={e.entityId} canDecide={canDecide} />
      <WarningsOf e={e} />
      <NoticesOf e={e} />
      <div class="grid two">
        <Shops e={e} />
        <Related e={e} />
      </div>
    </article>
  );
}

function ReasonsChart({ e }: { e: Profile }) {
  const { bars, total } = useMemo(() => {
    const sorted = [...(e.contributions ?? [])].filter((c) => c.logLR !== 0).sort((a, b) => Math.abs(b.logLR) - Math.abs(a.logLR));
    const shown = sorted.slice(0, MAX_BARS).map((c) => ({ name: `${indicatorName(c.indicator)}（${c.state}）`, value: c.logLR }));
    const rest = sorted.slice(MAX_BARS);
    if (rest.length) shown.push({ name: `其余 ${rest.length} 项`, value: rest.reduce((s, c) => s + c.logLR, 0) });
    const prior = e.logitPrior ?? 0;
    const all = [{ name: "类别基准（先验）", value: prior }, ...shown];
    return { bars: all, total: all.reduce((s, b) => s + b.value, 0) };
  }, [e]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 190, right: 40, top: 8, bottom: 24 },
      xAxis: { type: "value", name: "log-odds" },
      yAxis: { type: "category", inverse: true, data: bars.map((b) => b.name), axisLabel: { width: 180, overflow: "truncate" } },
      series: [
        {
          type: "bar",
          data: bars.map((b, k) => ({ value: Math.round(b.value * 1000) / 1000, itemStyle: { color: k === 0 ? "#7a8793" : b.value > 0 ? "#c62828" : "#2e7d32" } })),
          label: { show: true, position: "right", formatter: (p: { value: number }) => (p.value > 0 ? `+${p.value}` : `${p.value}`) },
        },
      ],
    }),
    [bars],
  );
  const p = e.probability;
  return (
    <>
      <Chart option={option} height={Math.max(180, bars.length * 22 + 40)} testId="reasons-chart" label={`评分构成：${bars.map((b) => `${b.name} ${b.value.toFixed(2)}`).join("，")}`} />
      <p class="small" data-testid="reasons-total">
        合计 {total.toFixed(3)} = logit(p)
        {p != null && p > 0 && p < 1 ? `（p = ${fmtPct(p, 2)}，logit = ${Math.log(p / (1 - p)).toFixed(3)}）` : ""}；红色提高违法几率，绿色降低。
      </p>
    </>
  );
}

const CLASS_LEVEL: Record<string, number> = { A: 1, B: 2, C: 3, D: 4 };

function HistoryChart({ e }: { e: Profile }) {
  const history = [...(e.history ?? [])].reverse();
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 12, bottom: 28 },
      xAxis: { type: "time", axisLabel: { hideOverlap: true, formatter: "{yyyy}-{MM}-{dd}" } },
      yAxis: { type: "value", min: 1, max: 4, interval: 1, axisLabel: { formatter: (v: number) => ["", "A", "B", "C", "D"][v] ?? "" } },
      series: [
        {
          type: "line",
          step: "end",
          symbolSize: 7,
          data: history.map((h) => ({ value: [h.computedAt, CLASS_LEVEL[h.riskClass]], itemStyle: { color: CLASS_COLOR[h.riskClass] } })),
        },
      ],
    }),
    [e],
  );
  if (history.length === 0) return <p class="muted">尚无分类记录。</p>;
  return (
    <>
      <Chart option={option} height={180} label={`分类历史：${history.map((h) => `${fmtDate(h.computedAt)} ${h.riskClass}`).join("，")}`} />
      <details>
        <summary>分类记录（{history.length}）</summary>
        <table>
          <thead><tr><th scope="col">时间</th><th scope="col">类别</th><th scope="col">p</th><th scope="col">损失</th><th scope="col">触发</th><th scope="col">模型</th></tr></thead>
          <tbody>
            {e.history?.map((h) => (
              <tr key={h.computedAt + h.modelVersion}>
                <td>{fmtTime(h.computedAt)}</td><td><span class={`badge c-${h.riskClass}`}>{h.riskClass}</span></td><td>{fmtPct(h.probability, 2)}</td>
                <td>{fmtNum(h.loss)}</td><td>{TRIGGER_LABEL[h.trigger] ?? h.trigger}</td><td>{h.modelVersion}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function Registration({ e }: { e: Profile }) {
  const r = e.registration;
  return (
    <>
      <h3>登记信息</h3>
      <dl class="facts">
        <dt>成立日期</dt><dd>{r.establishedOn ?? "—"}</dd>
        <dt>注册资本</dt><dd>{fmtYuan(r.registeredCapitalCents)}</dd>
        <dt>登记机关</dt><dd>{r.registrationAuthority ?? "—"}</dd>
        <dt>经营时长起算</dt><dd>{fmtDate(r.operatingSince)}</dd>
      </dl>
    </>
  );
}

function WarningsOf({ e }: { e: Profile }) {
  const list = e.warnings ?? [];
  return (
    <section class="card" aria-labelledby="ew-title">
      <h2 id="ew-title">预警线索（{list.length}）</h2>
      {list.length === 0 ? (
        <p class="muted">无。</p>
      ) : (
        <table>
          <thead><tr><th scope="col">规则</th><th scope="col">严重程度</th><th scope="col">状态</th><th scope="col">处置</th><th scope="col">命中</th><th scope="col">最近命中</th></tr></thead>
          <tbody>
            {list.map((w) => (
              <tr key={w.warningId}>
                <td>{w.ruleNameZh ?? w.ruleKey}</td><td><span class={`sev s-${w.severity}`}>{SEVERITY_LABEL[w.severity]}</span></td>
                <td>{WARNING_STATUS_LABEL[w.status]}</td><td>{ACTION_LABEL[w.action]}</td><td>{w.hitCount}</td><td>{fmtTime(w.lastHitAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NoticesOf({ e }: { e: Profile }) {
  const list = e.notices ?? [];
  return (
    <section class="card" aria-labelledby="en-title">
      <h2 id="en-title">行政提示与整改（{list.length}）</h2>
      {list.length === 0 ? (
        <p class="muted">无。</p>
      ) : (
        <table>
          <thead><tr><th scope="col">文号</th><th scope="col">标题</th><th scope="col">来源</th><th scope="col">发出</th><th scope="col">期限</th><th scope="col">整改状态</th></tr></thead>
          <tbody>
            {list.map((n) => (
              <tr key={n.noticeId}>
                <td>{n.noticeNo}</td><td>{n.title}</td><td>{n.source === "manual" ? "人工" : "预警"}</td><td>{fmtDate(n.issuedAt)}</td>
                <td>{fmtDate(n.dueAt)}</td><td><a href={href("rectifications", { case: n.caseId })}>{CASE_STATUS_LABEL[n.caseStatus]}</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Shops({ e }: { e: Profile }) {
  return (
    <section class="card" aria-labelledby="shops-title">
      <h2 id="shops-title">网店（{e.shops.length}）</h2>
      <table>
        <thead><tr><th scope="col">平台</th><th scope="col">店铺编号</th><th scope="col">店铺名称</th></tr></thead>
        <tbody>
          {e.shops.map((s) => (
            <tr key={s.platformId + s.shopId}><td>{s.platformName}</td><td><code>{s.shopId}</code></td><td>{s.name}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Nodes drawn in the graph; a bigger family (an address shared by hundreds) is listed below it. */
const GRAPH_MAX = 30;

function RelatedGraph({ e }: { e: Profile }) {
  const list = (e.related ?? []).slice(0, GRAPH_MAX);
  const option = useMemo<ChartOption>(() => {
    const node = (id: string, name: string, cls: string | null | undefined, size: number) => ({
      id, name, symbolSize: size, itemStyle: { color: CLASS_COLOR[cls ?? "unclassified"] }, label: { show: true, position: "bottom" as const, fontSize: 11 },
    });
    return {
      series: [{
        type: "graph",
        layout: "circular",
        circular: { rotateLabel: false },
        roam: false,
        data: [node(e.entityId, e.name, e.riskClass, 34), ...list.map((r) => node(r.entityId, r.name, r.riskClass, 20))],
        links: list.map((r) => ({ source: e.entityId, target: r.entityId, label: { show: true, formatter: r.links.map((l) => LINK_LABEL[l] ?? l).join("、"), fontSize: 10 } })),
        lineStyle: { color: "#9aa3ad", width: 1.5 },
        edgeLabel: { show: true },
      }],
    };
  }, [e]);
  return (
    <Chart
      option={option}
      height={list.length > 12 ? 360 : 260}
      testId="related-graph"
      label={`关联图谱：${list.map((r) => `${r.name}（${r.links.map((l) => LINK_LABEL[l] ?? l).join("、")}）`).join("，")}`}
      onClick={(p) => {
        const id = (p.data as { id?: string } | undefined)?.id;
        if (p.seriesType === "graph" && id && id !== e.entityId) go(`entity/${id}`);
      }}
    />
  );
}

function Related({ e }: { e: Profile }) {
  const list = e.related ?? [];
  return (
    <section class="card" aria-labelledby="rel-title">
      <h2 id="rel-title">关联主体（{list.length}）</h2>
      {list.length > 0 && <RelatedGraph e={e} />}
      {list.length > GRAPH_MAX && <p class="muted small">图中显示风险最高的 {GRAPH_MAX} 个，完整名单如下。</p>}
      {list.length === 0 ? <p class="muted">辖区内无关联主体。</p> : (
        <ul class="related">
          {list.map((r) => (
            <li key={r.entityId}>
              <span class={`badge c-${r.riskClass ?? "unclassified"}`}>{r.riskClass ?? "—"}</span> <a href={href(`entity/${r.entityId}`)}>{r.name}</a>{" "}
              <span class="muted">{r.links.map((l) => LINK_LABEL[l] ?? l).join("、")}</span>
            </li>
          ))}
        </ul>
      )}
      {(e.relatedOutsideScope ?? 0) > 0 && <p class="muted small">另有 {e.relatedOutsideScope} 个关联主体在您的辖区之外。</p>}
    </section>
  );
}
