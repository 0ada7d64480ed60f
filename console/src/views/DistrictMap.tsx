// The "risk + location" map: Chengdu's districts shaded by the share of C and D entities among
// those classified (from /v1/regulator/classes by region). Districts outside the officer's
// scope have no figures and stay grey. Clicking a district filters the overview to it (the
// region selector beside it does the same from the keyboard).
import { useMemo } from "preact/hooks";
import type { Schemas } from "../lib/api";
import { Chart, type ChartOption } from "../lib/chart";
import { regionName } from "../lib/labels";
import chengdu from "../map/chengdu.json";

/** Each district's label point (longitude, latitude) from the boundary file. */
const LABEL_POINTS: Array<[string, [number, number]]> = chengdu.features.map((f) => [f.id, f.properties.cp as [number, number]]);

type Group = Schemas["ClassDistribution"]["groups"][number];

export function DistrictMap({ groups, selected, onSelect }: { groups: Group[]; selected: string; onSelect: (code: string) => void }) {
  const option = useMemo<ChartOption>(() => {
    const data = groups
      .filter((g) => /^\d{6}$/.test(g.key))
      .map((g) => {
        const classified = g.A + g.B + g.C + g.D;
        const share = classified === 0 ? 0 : (g.C + g.D) / classified;
        return { name: regionName(g.key), code: g.key, value: Math.round(share * 1000) / 10, total: g.total, cd: g.C + g.D, selected: g.key === selected };
      });
    return {
      tooltip: {
        trigger: "item",
        formatter: (p: { name: string; data?: { value: number; total: number; cd: number } }) =>
          p.data ? `${p.name}\n经营主体 ${p.data.total}\nC+D ${p.data.cd}（${p.data.value}%）` : `${p.name}\n不在辖区内`,
      },
      visualMap: {
        min: 0,
        max: Math.max(10, ...data.map((d) => d.value)),
        text: ["C+D 占比高", "低"],
        calculable: false,
        inRange: { color: ["#e8f3ea", "#f6d28b", "#e07b39", "#b71c1c"] },
        left: 8,
        bottom: 8,
        itemHeight: 90,
        formatter: (v: number) => `${v.toFixed(0)}%`,
      },
      series: [
        {
          type: "map",
          map: "chengdu",
          roam: false,
          selectedMode: "single",
          label: { show: true, fontSize: 10, color: "#1d2430" },
          itemStyle: { areaColor: "#eceff2", borderColor: "#ffffff" },
          emphasis: { label: { fontWeight: "bold" }, itemStyle: { areaColor: "#90caf9" } },
          select: { itemStyle: { borderColor: "#0d47a1", borderWidth: 2 }, label: { fontWeight: "bold" } },
          data,
        },
      ],
    };
  }, [groups, selected]);
  const summary = groups
    .filter((g) => /^\d{6}$/.test(g.key))
    .map((g) => `${regionName(g.key)} C+D ${g.C + g.D}/${g.total}`)
    .join("，");
  return (
    <Chart
      option={option}
      height={420}
      testId="district-map"
      label={`成都市各区县风险地图（C、D 类占比）：${summary || "辖区内暂无数据"}`}
      onRendered={(chart, el) => {
        // Where each district's label sits on the canvas, as data-district-points="code:x,y;…":
        // the canvas has no elements to address, so automated checks click these points.
        const points = LABEL_POINTS.map(([code, cp]) => {
          const px = chart.convertToPixel({ seriesIndex: 0 }, cp) as number[] | undefined;
          return px ? `${code}:${Math.round(px[0]!)},${Math.round(px[1]!)}` : "";
        });
        el.dataset.districtPoints = points.filter(Boolean).join(";");
      }}
      onClick={(p) => {
        const code = (p.data as { code?: string } | undefined)?.code;
        if (code) onSelect(code === selected ? "" : code);
      }}
    />
  );
}
