// One draw's record: its inputs (population, ratios, pool), seed and digests, how many were
// drawn per class, the drawn entities with their inspectors and results (Assignments), the
// published population (Population), and 复核: the gateway re-runs the draw from the record and
// says whether the population and the result are the ones recorded.
import { useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../../lib/api";
import { CLASS_LABEL, fmtPct, fmtTime, regionName } from "../../lib/labels";
import { href } from "../../lib/route";
import { useApi } from "../../lib/useApi";
import { useCatalogue } from "../screening/Catalogue";
import { summary } from "../screening/model";
import { Assignments } from "./Assignments";
import { Population } from "./Population";

type Verification = Schemas["InspectionDrawVerification"];
interface Inputs {
  population?: { screeningId?: string | null; conditions?: Schemas["ScreeningCondition"] };
  inspectors?: Array<{ id: string; name: string; districts: string[]; conflicts?: string[] }>;
  inspectorsPerEntity?: number;
  asOf?: string;
}

export function DrawDetail({ drawId, canAct }: { drawId: string; canAct: boolean }) {
  const got = useApi(() => api.GET("/v1/regulator/inspections/draws/{drawId}", { params: { path: { drawId } } }), [drawId]);
  const { catalogue } = useCatalogue();
  const [verification, setVerification] = useState<Verification | undefined>();
  const [verifyError, setVerifyError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (got.error) return <p class="error" role="alert">{got.error}</p>;
  const d = got.data;
  if (!d) return <p class="muted">加载中…</p>;
  const inputs = d.inputs as Inputs;
  const pool = inputs.inspectors ?? [];
  const verify = async () => {
    setBusy(true);
    setVerification(undefined);
    setVerifyError(undefined);
    const { data, error, response } = await api.GET("/v1/regulator/inspections/draws/{drawId}/verification", { params: { path: { drawId } } });
    setBusy(false);
    if (!data) return setVerifyError(problemText(error, response.status));
    setVerification(data);
  };
  const population = inputs.population;
  return (
    <section aria-labelledby="draw-title" data-testid="draw-detail">
      <p><a href={href("inspections")}>← 全部抽查</a></p>
      <div class="title-row">
        <h1 id="draw-title">{d.name}</h1>
        <button type="button" onClick={verify} disabled={busy} data-testid="verify-draw">复核抽取结果</button>
      </div>
      {verifyError && <p class="error" role="alert">{verifyError}</p>}
      {verification && <VerificationResult v={verification} />}
      <div class="grid two">
        <section class="card" aria-label="抽取记录">
          <h2>抽取记录</h2>
          <dl class="facts">
            <dt>范围</dt><dd data-testid="draw-region">{regionName(d.regionPrefix)}</dd>
            <dt>抽取总体</dt>
            <dd>
              {population?.screeningId ? "已保存的筛查" : "按条件"}
              {population?.conditions && catalogue && <div class="small muted">{summary(population.conditions, catalogue.byKey)}</div>}
            </dd>
            <dt>总体数量</dt><dd data-testid="draw-population-count">{d.populationCount}</dd>
            <dt>抽取数量</dt><dd data-testid="draw-drawn">{d.assignments.length}</dd>
            <dt>每户检查人员</dt><dd>{inputs.inspectorsPerEntity ?? "—"} 名</dd>
            <dt>随机种子</dt><dd><code data-testid="draw-seed">{d.seed}</code></dd>
            <dt>总体摘要</dt><dd><code class="digest">{d.populationDigest}</code></dd>
            <dt>结果摘要</dt><dd><code class="digest">{d.resultDigest}</code></dd>
            <dt>数据时点</dt><dd>{fmtTime(inputs.asOf ?? d.createdAt)}</dd>
            <dt>创建</dt><dd>{fmtTime(d.createdAt)}</dd>
          </dl>
        </section>
        <section class="card" aria-label="各等级抽取情况">
          <h2>各等级抽取</h2>
          <table class="compact" data-testid="draw-by-class">
            <thead><tr><th scope="col">风险等级</th><th scope="col">总体</th><th scope="col">比例</th><th scope="col">抽取</th></tr></thead>
            <tbody>
              {Object.entries(d.byClass).map(([c, b]) => (
                <tr key={c} data-class={c}><td>{CLASS_LABEL[c] ?? c}</td><td>{b.population}</td><td>{fmtPct(b.ratio, 0)}</td><td>{b.drawn}</td></tr>
              ))}
            </tbody>
          </table>
          <h2>检查人员库</h2>
          <table class="compact" data-testid="draw-pool">
            <thead><tr><th scope="col">编号</th><th scope="col">姓名</th><th scope="col">负责区县</th><th scope="col">回避</th><th scope="col">分配户数</th></tr></thead>
            <tbody>
              {pool.map((p) => (
                <tr key={p.id}><td>{p.id}</td><td>{p.name}</td><td>{p.districts.map(regionName).join("、") || "—"}</td><td>{p.conflicts?.length ?? 0} 户</td><td>{d.load[p.id] ?? 0}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <Assignments draw={d} pool={pool} canAct={canAct} onRecorded={got.reload} />
      <Population drawId={d.drawId} />
    </section>
  );
}

function VerificationResult({ v }: { v: Verification }) {
  return (
    <div class={v.matches ? "info verify ok" : "error verify"} role="status" data-testid="verify-result" data-matches={String(v.matches)}>
      <strong>{v.matches ? "复核一致：按留档的种子、输入和总体重新抽取，结果与记录完全相同。" : "复核不一致：重新抽取的结果与记录不符！"}</strong>
      <ul>
        <li>总体：{v.populationMatches ? "一致" : "不一致"}（重算 <code>{v.populationDigest.slice(0, 16)}…</code>，记录 <code>{v.recordedPopulationDigest.slice(0, 16)}…</code>）</li>
        <li>结果：{v.resultMatches ? "一致" : "不一致"}（重算 <code>{v.resultDigest.slice(0, 16)}…</code>，记录 <code>{v.recordedResultDigest.slice(0, 16)}…</code>）</li>
      </ul>
    </div>
  );
}
