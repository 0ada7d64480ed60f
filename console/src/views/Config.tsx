// Configuration (配置): the fence policy and the monitoring rules, each with its version history
// and a diff between versions. Everyone may read them; only an admin with a city-wide scope may
// save (the API refuses the rest with CITY_SCOPE_REQUIRED), so the editors are read-only for them.
import type { Session } from "../lib/api";
import { href } from "../lib/route";
import { PolicyEditor } from "./config/PolicyEditor";
import { Rules } from "./config/RuleEditor";

/** The API's city-wide requirement: an admin whose scope is a city (<= 4 digits) or national. */
export const canEditCityConfig = (s: Session) => s.role === "admin" && s.regionPrefix.length <= 4;

export function Config({ session, query }: { session: Session; query: URLSearchParams }) {
  const tab = query.get("tab") === "rules" ? "rules" : "policy";
  const canEdit = canEditCityConfig(session);
  return (
    <section aria-labelledby="config-title">
      <div class="title-row">
        <h1 id="config-title">配置</h1>
        <nav class="tabs" aria-label="配置项">
          <a href={href("config", { tab: "policy" })} aria-current={tab === "policy" ? "page" : undefined}>沙盒围栏策略</a>
          <a href={href("config", { tab: "rules" })} aria-current={tab === "rules" ? "page" : undefined}>监测规则</a>
        </nav>
      </div>
      {!canEdit && <p class="muted">全市配置仅全市管理员可修改；您可查看。</p>}
      {tab === "policy" ? <PolicyEditor canEdit={canEdit} /> : <Rules canEdit={canEdit} selected={query.get("rule") ?? undefined} />}
    </section>
  );
}
