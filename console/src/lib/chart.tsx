// One ECharts instance per chart, built from the parts the console uses only (a full ECharts is
// ~1 MB). Tooltips are drawn on the canvas (renderMode richText): ECharts' HTML tooltips carry
// inline style attributes, which the console's CSP rightly refuses. Every chart has a text
// alternative (`label`), and the figures it shows are also on the page as text.
import { BarChart, GraphChart, LineChart, MapChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";
import chengdu from "../map/chengdu.json";

echarts.use([BarChart, GraphChart, LineChart, MapChart, PieChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);
echarts.registerMap("chengdu", chengdu as unknown as Parameters<typeof echarts.registerMap>[1]);

export type ChartOption = echarts.EChartsCoreOption;

interface Props {
  option: ChartOption;
  label: string;
  height?: number;
  onClick?: (params: { name?: string; data?: unknown; seriesType?: string }) => void;
  testId?: string;
  /** Called after every render with the instance (e.g. to read pixel positions). */
  onRendered?: (chart: echarts.ECharts, el: HTMLDivElement) => void;
}

export function Chart({ option, label, height = 260, onClick, testId, onRendered }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;
  const rendered = useRef(onRendered);
  rendered.current = onRendered;

  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: "canvas" });
    chart.current = c;
    c.on("click", (p) => click.current?.(p as never));
    c.on("finished", () => rendered.current?.(c, el.current!));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ animation: false, tooltip: { renderMode: "richText" }, ...option }, { notMerge: true });
  }, [option]);

  return <div ref={el} class="chart" role="img" aria-label={label} data-testid={testId} style={{ height: `${height}px` }} />;
}
