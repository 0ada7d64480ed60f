// jose reaches WebCrypto through the global `crypto`, which Node 18 only exposes behind a flag.
// Node's own implementation is the very object that later versions expose, so lend it where
// the global is missing; everywhere else this does nothing.
import { webcrypto } from "node:crypto";

if (typeof globalThis.crypto === "undefined") {
  Object.defineProperty(globalThis, "crypto", { value: webcrypto, configurable: true, writable: true, enumerable: false });
}
