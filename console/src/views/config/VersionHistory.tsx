// The saved versions of a configuration, newest first, and the diff between any two of them
// (by default the one in force against the one before it).
import { useEffect, useState } from "preact/hooks";
import { diffValues } from "../../lib/diff";
import { fmtTime } from "../../lib/labels";

export interface SavedVersion {
  version: number;
  savedBy: string;
  savedAt: string;
  reason?: string | null | undefined;
  value: unknown;
}

export function VersionHistory({ versions, label }: { versions: SavedVersion[]; label: (pointer: string) => string }) {
  const [to, setTo] = useState(versions[0]?.version);
  const [from, setFrom] = useState(versions[1]?.version ?? versions[0]?.version);
  useEffect(() => {
    setTo(versions[0]?.version);
    setFrom(versions[1]?.version ?? versions[0]?.version);
  }, [versions[0]?.version]);
  const a = versions.find((v) => v.version === from);
  const b = versions.find((v) => v.version === to);
  const rows = a && b ? diffValues(a.value, b.value) : [];
  return (
    <section class="card" aria-labelledby="history-title" data-testid="version-history">
      <h2 id="history-title">版本历史</h2>
      <table class="compact">
        <thead><tr><th scope="col">版本</th><th scope="col">保存人</th><th scope="col">时间</th><th scope="col">理由</th></tr></thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td>v{v.version}</td><td>{v.savedBy}</td><td>{fmtTime(v.savedAt)}</td><td>{v.reason ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length > 1 && (
        <>
          <h3>版本对比</h3>
          <div class="filters">
            <label>从
              <select value={String(from)} onChange={(e) => setFrom(Number(e.currentTarget.value))} data-testid="diff-from">
                {versions.map((v) => <option key={v.version} value={String(v.version)}>v{v.version}</option>)}
              </select>
            </label>
            <label>到
              <select value={String(to)} onChange={(e) => setTo(Number(e.currentTarget.value))} data-testid="diff-to">
                {versions.map((v) => <option key={v.version} value={String(v.version)}>v{v.version}</option>)}
              </select>
            </label>
          </div>
          {rows.length === 0 ? <p class="muted">两个版本内容相同。</p> : (
            <table class="diff" data-testid="version-diff">
              <thead><tr><th scope="col">项目</th><th scope="col">v{from}</th><th scope="col">v{to}</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.pointer} data-pointer={r.pointer}>
                    <th scope="row">{label(r.pointer)}</th>
                    <td class="before">{r.before ?? "（无）"}</td>
                    <td class="after">{r.after ?? "（无）"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
