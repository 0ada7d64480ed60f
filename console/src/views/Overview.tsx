// The overview dashboard: the figures of /v1/regulator/overview for the officer's scope or one
// district of it, the class distribution by category, and the district risk map. Every number
// on the charts is also on the page as text (the stat cards and the tables under the charts).
import { useMemo } from "preact/hooks";
import { api, type Schemas, type Session } from "../lib/api";
import { Chart, type ChartOption } from "../lib/chart";
import { CATEGORY_LABEL, CLASS_COLOR, CLASS_LABEL, fmtPct, fmtTime, regionName, SEVERITY_LABEL } from "../lib/labels";
import { go, href } from "../lib/route";
import { RegionSelect } from "../components/Filters";
import { useApi } from "../lib/useApi";
import { DistrictMap } from "./DistrictMap";
import { SeriesChart } from "./SeriesChart";

const CLASSES = ["A", "B", "C", "D", "unclassified"] as const;
const SEVERITIES = ["critical", "high", "medium", "low"] as const;
const SEVERITY_COLOR: Record<string, string> = { critical: "#8e0000", high: "#c62828", medium: "#e08a00", low: "#7a8793" };

export function Overview({ session, region }: { session: Session; region: string }) {
  const query = region ? { region } : {};
  const overview = useApi(() => api.GET("/v1/regulator/overview", { params: { query } }), [region]);
  const byRegion = useApi(() => api.GET("/v1/regulator/classes", { params: { query: { groupBy: "region" } } }), []);
  const byCategory = useApi(() => api.GET("/v1/regulator/classes", { params: { query: { groupBy: "category", ...query } } }), [region]);
  const select = (code: string) => go("overview", { region: code || undefined });

  return (
    <section aria-labelledby="overview-title">
      <div class="title-row">
        <h1 id="overview-title">总览 · {regionName(region || session.regionPrefix)}</h1>
        <label class="inline">
          辖区
          <RegionSelect session={session} value={region} onChange={select} testId="region-filter" />
        </label>
        {overview.data && <span class="muted">数据截至 {fmtTime(overview.data.asOf)}</span>}
      </div>
      {overview.error && <p class="error" role="alert">{overview.error}</p>}
      {overview.data && <Figures o={overview.data} region={region} />}
      <div class="grid two">
        <div class="card">
          <h2>风险地图（C、D 类占比）</h2>
          {byRegion.data ? <DistrictMap groups={byRegion.data.groups} selected={region} onSelect={select} /> : <p class="muted">加载中…</p>}
          <p class="muted small">点击区县可筛选总览；再次点击取消。</p>
        </div>
        <div class="card">
          <h2>分类分布</h2>
          {overview.data && <ClassPie o={overview.data} />}
          {byCategory.data && <CategoryBars d={byCategory.data} />}
        </div>
      </div>
      {overview.data && <Panels o={overview.data} region={region} />}
      <SeriesChart region={region} />
    </section>
  );
}

function Figures({ o, region }: { o: Schemas["RegulatorOverview"]; region: string }) {
  const cases = o.rectifications;
  const stats: Array<[string, string, number | string, string?]> = [
    ["entities.total", "经营主体", o.entities.total],
    ["sandbox.inside", "沙盒内", o.sandbox.inside, o.entities.total ? `占 ${fmtPct(o.sandbox.inside / o.entities.total)}` : undefined],
    ["warnings.open", "未处置预警线索", o.warnings.open],
    ["notices.issued", "行政提示", o.notices.issued, `已读 ${o.notices.read}`],
    ["rectifications.open", "整改中", cases.open, `逾期 ${cases.overdue} · 已升级 ${cases.escalatedOpen}`],
    ["notices.rectified", "已整改", o.notices.rectified, o.notices.rectificationRate == null ? undefined : `整改率 ${fmtPct(o.notices.rectificationRate)}`],
  ];
  return (
    <ul class="stats" aria-label="关键指标">
      {stats.map(([key, label, value, sub]) => (
        <li key={key} class="stat">
          <span class="label">{label}</span>
          <span class="value" data-stat={key}>
            {key === "warnings.open" ? <a href={href("warnings", { status: "open", region: region || undefined })}>{value}</a> : value}
          </span>
          {sub && <span class="sub">{sub}</span>}
        </li>
      ))}
    </ul>
  );
}

function ClassPie({ o }: { o: Schemas["RegulatorOverview"] }) {
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0 },
      series: [
        {
          type: "pie",
          radius: ["40%", "68%"],
          center: ["50%", "45%"],
          label: { formatter: "{c}" },
          data: CLASSES.map((k) => ({ name: CLASS_LABEL[k], value: o.entities.byClass[k], itemStyle: { color: CLASS_COLOR[k] } })),
        },
      ],
    }),
    [o],
  );
  return (
    <>
      <Chart option={option} height={240} testId="class-pie" label={`分类分布：${CLASSES.map((k) => `${CLASS_LABEL[k]} ${o.entities.byClass[k]}`).join("，")}`} />
      <table class="compact" aria-label="分类分布">
        <tbody>
          <tr>
            {CLASSES.map((k) => (
              <td key={k}>
                <span class={`badge c-${k}`}>{k === "unclassified" ? "未分类" : k}</span> <span data-class={k}>{o.entities.byClass[k]}</span>
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </>
  );
}

function CategoryBars({ d }: { d: Schemas["ClassDistribution"] }) {
  const groups = [...d.groups].sort((a, b) => b.total - a.total);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 70, right: 12, top: 8, bottom: 24 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: groups.map((g) => CATEGORY_LABEL[g.key] ?? g.label ?? g.key) },
      series: (["A", "B", "C", "D"] as const).map((k) => ({ type: "bar", stack: "c", name: k, data: groups.map((g) => g[k]), itemStyle: { color: CLASS_COLOR[k] } })),
    }),
    [d],
  );
  return (
    <>
      <h3>按经营类别</h3>
      <Chart option={option} height={Math.max(160, groups.length * 22 + 40)} label={`按经营类别的分类分布：${groups.map((g) => `${CATEGORY_LABEL[g.key] ?? g.key} ${g.total}`).join("，")}`} />
    </>
  );
}

function Panels({ o, region }: { o: Schemas["RegulatorOverview"]; region: string }) {
  const warnings = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 12, top: 8, bottom: 24 },
      xAxis: { type: "category", data: SEVERITIES.map((s) => SEVERITY_LABEL[s]) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: SEVERITIES.map((s) => ({ value: o.warnings.openBySeverity[s], itemStyle: { color: SEVERITY_COLOR[s] } })), label: { show: true, position: "top" } }],
    }),
    [o],
  );
  const n = o.notices;
  const funnel: Array<[string, number]> = [
    ["已发出", n.issued],
    ["已送达", n.delivered],
    ["已阅读", n.read],
    ["已签收", n.acknowledged],
    ["已整改", n.rectified],
  ];
  const notices = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: funnel.map((f) => f[0]) },
      series: [{ type: "bar", data: funnel.map((f) => f[1]), itemStyle: { color: "#1f6fb2" }, label: { show: true, position: "right" } }],
    }),
    [o],
  );
  return (
    <div class="grid two">
      <div class="card">
        <h2>未处置预警（按严重程度）</h2>
        <Chart option={warnings} height={220} testId="warnings-bars" label={`未处置预警：${SEVERITIES.map((s) => `${SEVERITY_LABEL[s]} ${o.warnings.openBySeverity[s]}`).join("，")}`} />
        <p class="small">
          {SEVERITIES.map((s) => (
            <a key={s} class="chip" href={href("warnings", { status: "open", severity: s, region: region || undefined })}>
              {SEVERITY_LABEL[s]} <span data-severity={s}>{o.warnings.openBySeverity[s]}</span>
            </a>
          ))}
        </p>
      </div>
      <div class="card">
        <h2>行政提示与整改</h2>
        <Chart option={notices} height={200} testId="notice-funnel" label={`行政提示：${funnel.map(([k, v]) => `${k} ${v}`).join("，")}`} />
        <p class="small">
          逾期未整改 <strong>{n.overdue}</strong> · 已升级 <strong>{n.escalated}</strong> · 整改率 <strong>{fmtPct(n.rectificationRate)}</strong> ·{" "}
          <a href={href("rectifications", { status: "submitted", region: region || undefined })}>待审核整改</a>
        </p>
      </div>
    </div>
  );
}
