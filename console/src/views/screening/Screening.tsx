// 风险筛查: build AND/OR conditions over the catalogue, count first, run in keyset pages, save
// as a named screening, and re-run or export the saved ones. Every refusal of the API is shown at
// the comparison it points at. Results only ever cover the officer's region scope (the API
// scopes every statement); the 辖区 select narrows further.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas, type Session } from "../../lib/api";
import { RegionSelect } from "../../components/Filters";
import { CatalogueReference, useCatalogue } from "./Catalogue";
import { ConditionBuilder } from "./ConditionBuilder";
import { blankComparison, comparisonPointers, fromApi, placeProblem, toApi, type Group } from "./model";
import { ScreeningResults, type ScreeningSource } from "./Results";
import { SavedList } from "./SavedList";

type Saved = Schemas["SavedScreening"];
type Problem = ReturnType<typeof placeProblem>;
const NO_PROBLEM: Problem = { byField: {}, other: [], text: "" };
const LABELS = { "/name": "名称", "/description": "说明", "/region": "辖区", "/conditions": "条件" };

export function Screening({ session }: { session: Session }) {
  const { catalogue, error: catalogueError } = useCatalogue();
  const [group, setGroup] = useState<Group | undefined>();
  const [region, setRegion] = useState("");
  const [count, setCount] = useState<number | undefined>();
  const [problem, setProblem] = useState<Problem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);
  const [run, setRun] = useState<{ key: string; source: ScreeningSource; title: string } | undefined>();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  const [savedKey, setSavedKey] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  useEffect(() => {
    if (catalogue && !group) setGroup({ kind: "group", join: "all", parts: [blankComparison(catalogue.items[0])] });
  }, [catalogue]);
  if (catalogueError) return <p class="error" role="alert">{catalogueError}</p>;
  if (!catalogue || !group) return <p class="muted">加载中…</p>;

  const query = () => ({ conditions: toApi(group, catalogue.byKey), ...(region ? { region } : {}) });
  const fields = ["/name", "/description", "/region", "/conditions", ...comparisonPointers(group, "/conditions")];
  const refused = (error: unknown, status: number, what: string) => setProblem(placeProblem(error, status, fields, LABELS, `${what}失败：请修改标出的条件。`));
  const edit = (g: Group) => {
    setGroup(g);
    setCount(undefined);
  };

  const countFirst = async (): Promise<boolean> => {
    setBusy(true);
    setMessage(undefined);
    const { data, error, response } = await api.POST("/v1/regulator/screenings/count", { body: query() });
    setBusy(false);
    if (!data) return refused(error, response.status, "计数"), false;
    setProblem(NO_PROBLEM);
    setCount(data.count);
    return true;
  };
  const runNow = async () => {
    if (!(await countFirst())) return;
    const body = query();
    setSelected(undefined);
    setRun({
      key: `run-${Date.now()}`,
      title: "筛查结果",
      source: async (after) => {
        const { data, error, response } = await api.POST("/v1/regulator/screenings/run", { body: { ...body, limit: 50, ...(after ? { cursor: after } : {}) } });
        return data ?? { problem: placeProblem(error, response.status, [], LABELS, "").text };
      },
    });
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(undefined);
    const { data, error, response } = await api.POST("/v1/regulator/screenings/saved", {
      body: { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), ...query() },
    });
    setBusy(false);
    if (!data) return refused(error, response.status, "保存");
    setProblem(NO_PROBLEM);
    setName("");
    setDescription("");
    setMessage(`已保存筛查“${data.name}”。`);
    setSavedKey((k) => k + 1);
  };
  const rerun = (s: Saved) => {
    setSelected(s.screeningId);
    setRun({
      key: `saved-${s.screeningId}-${Date.now()}`,
      title: `重新运行：${s.name}`,
      source: async (after) => {
        const { data, error, response } = await api.POST("/v1/regulator/screenings/saved/{screeningId}/run", {
          params: { path: { screeningId: s.screeningId } },
          body: { limit: 50, ...(after ? { cursor: after } : {}) },
        });
        if (data && !after) setSavedKey((k) => k + 1);
        return data ?? { problem: placeProblem(error, response.status, [], LABELS, "").text };
      },
    });
  };
  const loadConditions = (s: Saved) => {
    edit(fromApi(s.conditions));
    setProblem(NO_PROBLEM);
    setMessage(`已载入“${s.name}”的条件。`);
  };

  return (
    <section aria-labelledby="screening-title">
      <div class="title-row">
        <h1 id="screening-title">风险筛查</h1>
      </div>
      <CatalogueReference catalogue={catalogue} />
      <form class="card screening-form" onSubmit={save} noValidate data-testid="screening-form">
        <h2>筛查条件</h2>
        <label class="inline">辖区 <RegionSelect session={session} value={region} onChange={(v) => (setRegion(v), setCount(undefined))} testId="screening-region" /></label>
        <ConditionBuilder catalogue={catalogue} group={group} onChange={edit} base="/conditions" errors={problem.byField} />
        {problem.text && <p class="error" role="alert">{problem.text}{problem.other.length > 0 ? ` ${problem.other.join("；")}` : ""}</p>}
        <div class="actions start">
          <button type="button" class="secondary" disabled={busy} onClick={countFirst} data-testid="screening-count">先计数</button>
          <button type="button" disabled={busy} onClick={runNow} data-testid="screening-run">运行筛查</button>
          {count !== undefined && <span class="count" role="status" data-testid="screening-count-result">符合条件：<strong>{count}</strong> 个经营主体</span>}
        </div>
        <fieldset class="save-row">
          <legend>保存为筛查</legend>
          <label class="inline">名称
            <input type="text" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="screening-name" aria-invalid={problem.byField["/name"] ? "true" : undefined} />
          </label>
          <label class="inline">说明（可选）
            <input type="text" maxLength={2000} size={30} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy || name.trim() === ""} data-testid="screening-save">保存筛查</button>
          {problem.byField["/name"] && <p class="field-error">{problem.byField["/name"].join("；")}</p>}
        </fieldset>
        {message && <p class="info" role="status">{message}</p>}
      </form>
      {run && <ScreeningResults key={run.key} runKey={run.key} source={run.source} catalogue={catalogue} title={run.title} />}
      <SavedList catalogue={catalogue} reloadKey={String(savedKey)} selected={selected} onRerun={rerun} onLoad={loadConditions} />
    </section>
  );
}
