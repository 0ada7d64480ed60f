// A new double-random draw (officers and admins): the population (one of the officer's saved
// screenings, or conditions built here), per-class sampling ratios (A 3%, B 5%, C 10%, D 100% by
// default, after the SAMR guidance: fewer checks for low risk, every high-risk entity), the
// inspector pool with the districts each covers and the entities each must not inspect (回避),
// and an optional seed. Every refusal of the API is shown at the field it points at.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas, type Session } from "../../lib/api";
import { RegionSelect } from "../../components/Filters";
import { CLASS_LABEL } from "../../lib/labels";
import { go } from "../../lib/route";
import { useApi } from "../../lib/useApi";
import { useCatalogue } from "../screening/Catalogue";
import { ConditionBuilder } from "../screening/ConditionBuilder";
import { blankComparison, comparisonPointers, placeProblem, toApi, type Group } from "../screening/model";
import { blankInspector, InspectorPool, poolFields, poolToApi, type PoolRow } from "./InspectorPool";

const CLASSES = ["A", "B", "C", "D", "unclassified"] as const;
const DEFAULT_PCT: Record<(typeof CLASSES)[number], string> = { A: "3", B: "5", C: "10", D: "100", unclassified: "0" };
const LABELS: Record<string, string> = {
  "/name": "名称", "/region": "范围", "/population": "抽取总体", "/ratios": "抽取比例", "/inspectors": "检查人员",
  "/inspectorsPerEntity": "每户检查人员数", "/seed": "随机种子",
};
type Problem = ReturnType<typeof placeProblem>;
const NO_PROBLEM: Problem = { byField: {}, other: [], text: "" };

/** A percentage as the API's ratio; what does not parse is sent as typed (the API points at it). */
const ratioOf = (pct: string): unknown => (pct.trim() === "" ? undefined : Number.isFinite(Number(pct)) ? Number(pct) / 100 : pct);

export function DrawForm({ session }: { session: Session }) {
  const { catalogue } = useCatalogue();
  const saved = useApi(() => api.GET("/v1/regulator/screenings/saved", { params: { query: { limit: 100 } } }), []);
  const [name, setName] = useState("");
  const [region, setRegion] = useState("");
  const [mode, setMode] = useState<"saved" | "conditions">("saved");
  const [screeningId, setScreeningId] = useState("");
  const [group, setGroup] = useState<Group | undefined>();
  const [pct, setPct] = useState({ ...DEFAULT_PCT });
  const [perEntity, setPerEntity] = useState("2");
  const [seed, setSeed] = useState("");
  const [pool, setPool] = useState<PoolRow[]>([blankInspector(), blankInspector()]);
  const [problem, setProblem] = useState<Problem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (catalogue && !group) setGroup({ kind: "group", join: "all", parts: [blankComparison(catalogue.items[0])] });
  }, [catalogue]);
  useEffect(() => {
    const first = saved.data?.screenings[0];
    if (first && !screeningId) setScreeningId(first.screeningId);
    if (saved.data && saved.data.screenings.length === 0) setMode("conditions");
  }, [saved.data]);

  const fields = [
    ...Object.keys(LABELS), "/population/screeningId", "/population/conditions",
    ...CLASSES.map((c) => `/ratios/${c}`), ...poolFields(pool.length),
    ...(group ? comparisonPointers(group, "/population/conditions") : []),
  ];
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!catalogue || !group) return;
    setBusy(true);
    const ratios = Object.fromEntries(CLASSES.map((c) => [c, ratioOf(pct[c])]).filter(([, v]) => v !== undefined));
    const body = {
      name: name.trim(),
      ...(region ? { region } : {}),
      population: mode === "saved" ? { screeningId } : { conditions: toApi(group, catalogue.byKey) },
      ratios,
      inspectors: poolToApi(pool),
      inspectorsPerEntity: Number(perEntity),
      ...(seed.trim() ? { seed: seed.trim() } : {}),
    } as Schemas["InspectionDrawInput"];
    const { data, error, response } = await api.POST("/v1/regulator/inspections/draws", { body });
    setBusy(false);
    if (!data) {
      const placed = placeProblem(error, response.status, fields, LABELS, "抽取失败：请修改标出的项目。");
      // A ratio is typed as a percentage: say so rather than the API's 0..1 bounds.
      for (const c of CLASSES) if (placed.byField[`/ratios/${c}`]) placed.byField[`/ratios/${c}`] = ["须为 0 到 100 之间的百分数"];
      return setProblem(placed);
    }
    go(`inspections/${data.drawId}`);
  };
  const err = (f: string) => problem.byField[f] && <p class="field-error" data-testid={`error${f.replace(/\//g, "-")}`}>{problem.byField[f]!.join("；")}</p>;
  const screenings = saved.data?.screenings ?? [];

  return (
    <section aria-labelledby="new-draw-title">
      <h1 id="new-draw-title">新建双随机抽查</h1>
      <form class="card editor draw-form" onSubmit={submit} noValidate data-testid="draw-form">
        <div class="field">
          <label for="draw-name">名称（必填）</label>
          <input id="draw-name" type="text" maxLength={200} aria-invalid={problem.byField["/name"] ? "true" : undefined} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="例如：2026 年第一季度双随机抽查" />
          {err("/name")}
        </div>
        <div class="field">
          <label for="draw-region">范围</label>
          <RegionSelect session={session} value={region} onChange={setRegion} testId="draw-region" />
          {err("/region")}
        </div>
        <fieldset>
          <legend>抽取总体</legend>
          <label class="inline"><input type="radio" name="population" checked={mode === "saved"} onChange={() => setMode("saved")} disabled={screenings.length === 0} /> 我保存的筛查</label>
          <label class="inline"><input type="radio" name="population" checked={mode === "conditions"} onChange={() => setMode("conditions")} data-testid="population-conditions" /> 按条件</label>
          {mode === "saved" ? (
            <div class="field">
              <label for="draw-screening">筛查</label>
              <select id="draw-screening" value={screeningId} onChange={(e) => setScreeningId(e.currentTarget.value)} data-testid="draw-screening">
                {screenings.map((s) => <option key={s.screeningId} value={s.screeningId}>{s.name}{s.lastCount === null ? "" : `（上次 ${s.lastCount} 个）`}</option>)}
              </select>
              {err("/population/screeningId")}
            </div>
          ) : catalogue && group ? (
            <ConditionBuilder catalogue={catalogue} group={group} onChange={setGroup} base="/population/conditions" errors={problem.byField} />
          ) : <p class="muted">加载中…</p>}
          {err("/population")}
        </fieldset>
        <fieldset>
          <legend>各风险等级的抽取比例（%）</legend>
          <div class="ratios">
            {CLASSES.map((c) => (
              <div key={c} class={`field${problem.byField[`/ratios/${c}`] ? " invalid" : ""}`}>
                <label for={`ratio-${c}`}>{CLASS_LABEL[c]}</label>
                <input id={`ratio-${c}`} type="text" inputMode="decimal" size={6} value={pct[c]} onInput={(e) => setPct({ ...pct, [c]: e.currentTarget.value })} data-testid={`ratio-${c}`}
                  aria-invalid={problem.byField[`/ratios/${c}`] ? "true" : undefined} />
                {err(`/ratios/${c}`)}
              </div>
            ))}
          </div>
          {err("/ratios")}
        </fieldset>
        <InspectorPool session={session} pool={pool} onChange={setPool} errors={problem.byField} />
        <div class="field">
          <label for="draw-per-entity">每户检查人员数</label>
          <select id="draw-per-entity" value={perEntity} onChange={(e) => setPerEntity(e.currentTarget.value)}>
            {["1", "2", "3"].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
          {err("/inspectorsPerEntity")}
        </div>
        <div class="field">
          <label for="draw-seed">随机种子（可选；留空由系统生成）</label>
          <input id="draw-seed" type="text" maxLength={200} value={seed} onInput={(e) => setSeed(e.currentTarget.value)} />
          {err("/seed")}
        </div>
        {problem.text && <p class="error" role="alert">{problem.text}{problem.other.length > 0 ? ` ${problem.other.join("；")}` : ""}</p>}
        <div class="actions start">
          <button type="submit" disabled={busy || name.trim() === ""} data-testid="draw-submit">抽取</button>
          <button type="button" class="secondary" onClick={() => go("inspections")}>取消</button>
        </div>
      </form>
    </section>
  );
}
