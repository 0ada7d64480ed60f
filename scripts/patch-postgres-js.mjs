// Runs after `npm ci` / `npm install` (the root package's postinstall). postgres.js 3.4.9 can
// crash the whole process when PostgreSQL restarts: a small write is deferred with
// setImmediate, the connection closes meanwhile (socket = null), and the deferred write throws
// a TypeError from the timer, where no caller can catch it (porsager/postgres#1154, #1208;
// fix proposed in #1209). Teardown also cancels that timer without clearing it and keeps the
// buffered bytes, so the reconnected connection may never flush again (pool poisoning).
// This applies the proposed fix until a release carries it: a write on a closed connection
// fails its queries with CONNECTION_CLOSED (they are retried by our callers), and teardown
// forgets the timer and the buffer. Idempotent; refuses to touch an unexpected file.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MARK = "/* csg: guarded nextWrite */";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "postgres");
if (!existsSync(join(root, "package.json"))) process.exit(0); // not installed: nothing to do
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

const NEXT_WRITE = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;
const GUARDED = `  function nextWrite(fn) {
    ${MARK}
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`;
const TEARDOWN = `    clearImmediate(nextWriteTimer)\n`;
const TEARDOWN_FIXED = `    clearImmediate(nextWriteTimer)\n    nextWriteTimer = chunk = null\n`;

for (const file of ["src/connection.js", "cjs/src/connection.js", "cf/src/connection.js"]) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  const text = readFileSync(path, "utf8");
  if (text.includes(MARK)) continue;
  const teardowns = text.split(TEARDOWN).length - 1;
  if (!text.includes(NEXT_WRITE) || teardowns !== 2) {
    console.warn(`postgres.js ${version}: ${file} is not the code this patch knows; left as is (check porsager/postgres#1208)`);
    continue;
  }
  writeFileSync(path, text.replace(NEXT_WRITE, GUARDED).replaceAll(TEARDOWN, TEARDOWN_FIXED));
}
