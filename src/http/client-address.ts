// The address a request came from, for per-client limits and the audit log. The TCP peer,
// unless the operator configured the header a trusted reverse proxy sets (TRUSTED_PROXY_HEADER):
// any client can send any header, so a forwarded address is believed only when the operator
// says a proxy in front of the gateway writes it. From a list (X-Forwarded-For) the rightmost
// entry is taken — the one the proxy itself appended.
import type { Context } from "hono";
import { isIP } from "node:net";
import type { AppEnv } from "./context.js";

export function clientAddress(c: Context<AppEnv>, trustedProxyHeader: string | undefined): string {
  if (trustedProxyHeader !== undefined) {
    const forwarded = c.req.header(trustedProxyHeader)?.split(",").at(-1)?.trim();
    const address = forwarded === undefined ? undefined : normalise(forwarded.replace(/^\[(.*)\](:\d+)?$/, "$1"));
    if (address !== undefined) return address;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return normalise(env?.incoming?.socket?.remoteAddress ?? "") ?? "unknown";
}

/** An IP address in one spelling (IPv4-mapped IPv6 as plain IPv4), or undefined. */
function normalise(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  return isIP(ip) === 0 ? undefined : ip.toLowerCase();
}

/**
 * The key for per-address limits: the address itself for IPv4, its /64 for IPv6 (one
 * subscriber usually holds a whole /64, so single IPv6 addresses cost an attacker nothing).
 */
export function addressLimitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}
