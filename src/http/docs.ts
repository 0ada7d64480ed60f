// GET /docs: a self-contained HTML reference rendered from the spec (no CDN, no scripts), so
// it works on an air-gapped regulator network.
import type { JsonObject, Spec } from "./spec.js";

const esc = (s: unknown) =>
  String(s ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

export function renderDocs(spec: Spec): string {
  const info = (spec.document.info ?? {}) as JsonObject;
  const tags = new Map<string, string[]>();
  for (const op of spec.operations) {
    const tag = ((op.definition.tags as string[] | undefined) ?? ["other"])[0]!;
    const d = op.definition;
    const params = ((d.parameters ?? []) as JsonObject[])
      .map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ", required" : ""}) ${esc(p.description)}</li>`)
      .join("");
    const body = d.requestBody as JsonObject | undefined;
    const bodyTypes = body ? Object.keys((body.content ?? {}) as JsonObject) : [];
    const responses = Object.entries((d.responses ?? {}) as Record<string, JsonObject>)
      .map(([status, r]) => `<li><code>${esc(status)}</code> ${esc(r.description ?? (r.$ref as string | undefined)?.split("/").pop())}</li>`)
      .join("");
    const security = (d.security ?? spec.document.security ?? []) as Array<Record<string, string[]>>;
    const auth = security.length === 0 || security.some((s) => Object.keys(s).length === 0)
      ? "none"
      : security.map((s) => Object.entries(s).map(([k, v]) => (v.length ? `${k} (${v.join(", ")})` : k)).join(" + ")).join(" or ");
    const html = `<section id="${esc(op.operationId)}">
  <h3><span class="m ${esc(op.method)}">${esc(op.method.toUpperCase())}</span> <code>${esc(op.path)}</code></h3>
  <p>${esc(d.summary)}</p>${d.description ? `<p>${esc(d.description)}</p>` : ""}
  <p class="meta">operationId <code>${esc(op.operationId)}</code> · auth: ${esc(auth)}${d["x-signed-body"] ? " · body signed (detached JWS)" : ""}</p>
  ${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}
  ${bodyTypes.length ? `<h4>Request body</h4><p>${bodyTypes.map((t) => `<code>${esc(t)}</code>`).join(" ")}</p>` : ""}
  <h4>Responses</h4><ul>${responses}</ul>
</section>`;
    tags.set(tag, [...(tags.get(tag) ?? []), html]);
  }
  const schemas = Object.entries(((spec.document.components as JsonObject | undefined)?.schemas ?? {}) as JsonObject)
    .map(([name, schema]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`)
    .join("\n");
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — API</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2430}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}pre{background:#f5f6f8;padding:.75rem;overflow:auto}
section{border-top:1px solid #e3e6ea;padding:.5rem 0}.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:3px;color:#fff;font-size:12px;padding:2px 6px}
.get{background:#2f7d32}.post{background:#1f5fa8}.put{background:#9a6a00}.delete{background:#a33}.patch{background:#6a3d9a}.meta{color:#5b6573;font-size:13px}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
<p>${esc(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${[...tags].map(([tag, ops]) => `<h2>${esc(tag)}</h2>\n${ops.join("\n")}`).join("\n")}
<h2>Schemas</h2>
${schemas}
</body></html>`;
}
