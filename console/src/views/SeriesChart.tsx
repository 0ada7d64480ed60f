// Sandbox admissions and removals, warnings raised, notices issued and class changes up and down
// per day over the last 90 days (GET /v1/regulator/overview/series) for the overview's region; the period's totals are
// also on the page as text.
import { useMemo } from "preact/hooks";
import { api, type Schemas } from "../lib/api";
import { Chart, type ChartOption } from "../lib/chart";
import { useApi } from "../lib/useApi";

const DAYS = 90;
const LINES: Array<[keyof Omit<Schemas["RegulatorSeries"]["points"][number], "date">, string, string]> = [
  ["admitted", "纳入沙盒", "#00796b"],
  ["removed", "移出沙盒", "#c62828"],
  ["warningsRaised", "新增预警", "#e08a00"],
  ["noticesIssued", "发出提示", "#1f5fa8"],
  ["classUp", "风险类别上调", "#6a1b9a"],
  ["classDown", "风险类别下调", "#7cb342"],
];

export function SeriesChart({ region }: { region: string }) {
  const { data, error } = useApi(() => api.GET("/v1/regulator/overview/series", { params: { query: { days: DAYS, ...(region ? { region } : {}) } } }), [region]);
  const totals = useMemo(() => Object.fromEntries(LINES.map(([k]) => [k, (data?.points ?? []).reduce((s, p) => s + p[k], 0)])), [data]);
  const option = useMemo<ChartOption>(
    () => ({
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: "category", data: (data?.points ?? []).map((p) => p.date.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: LINES.map(([k, name, color]) => ({ type: "line", name, data: (data?.points ?? []).map((p) => p[k]), symbol: "none", lineStyle: { width: 2 }, itemStyle: { color } })),
    }),
    [data],
  );
  return (
    <section class="card" aria-labelledby="series-title">
      <h2 id="series-title">近 {DAYS} 天变化（按北京时间日）</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (
        <>
          <Chart option={option} height={240} testId="series-chart" label={`近${DAYS}天：${LINES.map(([k, name]) => `${name} ${totals[k]}`).join("，")}`} />
          <ul class="chips" aria-label="期间合计">
            {LINES.map(([k, name]) => (
              <li key={k} class="chip">{name}：<strong data-series-total={k}>{totals[k]}</strong></li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
