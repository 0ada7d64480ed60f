#!/usr/bin/env bash
# npm audit of production dependencies: exits non-zero on a high or critical advisory.
# When the registry's audit endpoint cannot be reached or refuses the request (a registry proxy
# answering 405, no network), npm reports an error instead of a result; that is logged as a
# warning and does not fail the run, because it says nothing about the dependencies. Any answer
# that carries a vulnerability count is judged on that count.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(npm audit --omit=dev --json 2>/dev/null)
node -e '
const text = process.argv[1];
let r;
try { r = JSON.parse(text); } catch { r = null; }
const v = r && r.metadata && r.metadata.vulnerabilities;
if (!v) {
  const why = (r && (r.message || (r.error && r.error.summary))) || "no parseable answer";
  console.warn("npm audit: WARNING: the audit endpoint gave no result (" + why + "); dependencies NOT audited");
  process.exit(0);
}
const serious = (v.high || 0) + (v.critical || 0);
console.log("npm audit: " + JSON.stringify(v));
if (serious > 0) {
  for (const [name, x] of Object.entries(r.vulnerabilities || {}))
    if (x.severity === "high" || x.severity === "critical") console.error("  " + x.severity + ": " + name + " " + (x.range || ""));
  process.exit(1);
}
' "$out"
