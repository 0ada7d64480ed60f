// One outbound POST to a URL someone else chose, made safe against server-side request forgery:
// the host is resolved HERE, at send time, every address it resolves to is checked against the
// policy, and the connection goes to the checked address (the name still travels as Host and as
// TLS SNI, and the certificate is verified against the name). There is no second DNS lookup for
// a rebinding name to answer differently, no redirect is followed, and the answer's body is never
// read. Failures are reported in our own fixed words: a status code, never the remote content.
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { checkAddress, checkOutboundUrl, hostOf, OutboundRefused, type OutboundPolicy } from "./outbound-address.js";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name -> addresses. Production uses the system resolver; tests inject their own. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface OutboundRequestOptions {
  policy: OutboundPolicy;
  resolve: HostResolver;
  timeoutMs: number;
  headers: Record<string, string>;
}

/** A failed attempt, described in fixed words (safe to store and to show to administrators). */
export class OutboundFailure extends Error {
  constructor(
    message: string,
    /** Refused by policy: trying again will not help. */
    readonly permanent = false,
  ) {
    super(message);
    this.name = "OutboundFailure";
  }
}

/** POSTs `body`; resolves with the answer's status code (any), or throws OutboundFailure. */
export async function postPinned(rawUrl: string, body: Uint8Array, o: OutboundRequestOptions): Promise<number> {
  let url: URL;
  try {
    url = checkOutboundUrl(rawUrl, o.policy);
  } catch (err) {
    throw refused(err);
  }
  const target = await pinAddress(hostOf(url), o);
  const options: RequestOptions = {
    method: "POST",
    hostname: hostOf(url),
    port: url.port || (url.protocol === "https:" ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers: { ...o.headers, "content-length": String(body.byteLength) },
    // A fresh connection per attempt: a pooled socket would bypass the check made for this one.
    agent: false,
    // Every lookup the socket makes answers with the address checked above.
    lookup: pinnedLookup(target),
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(options, (res) => {
      clearTimeout(timer);
      // Only the status matters; the body is neither read nor kept.
      res.destroy();
      resolve(res.statusCode ?? 0);
    });
    const timer = setTimeout(() => req.destroy(new OutboundFailure(`timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err instanceof OutboundFailure ? err : new OutboundFailure(`connection failed${codeOf(err)}`));
    });
    req.end(body);
  });
}

/** Resolves the host (unless it is an address already) and checks EVERY address it maps to. */
async function pinAddress(host: string, o: OutboundRequestOptions): Promise<ResolvedAddress> {
  const family = isIP(host);
  if (family !== 0) return { address: host, family: family === 6 ? 6 : 4 };
  let addresses: ResolvedAddress[];
  try {
    addresses = await o.resolve(host);
  } catch (err) {
    throw new OutboundFailure(`the host could not be resolved${codeOf(err)}`);
  }
  if (addresses.length === 0) throw new OutboundFailure("the host could not be resolved");
  // One refused address refuses the name: which one a client would pick is not ours to guess.
  for (const a of addresses) {
    try {
      checkAddress(a.address, o.policy);
    } catch (err) {
      throw refused(err, "the host resolves to an address that is refused");
    }
  }
  return addresses[0]!;
}

function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}

function refused(err: unknown, prefix = "the URL is refused"): OutboundFailure {
  if (!(err instanceof OutboundRefused)) throw err;
  return new OutboundFailure(`${prefix}: ${err.message}`, true);
}

/** A system error code (ECONNREFUSED, CERT_HAS_EXPIRED, ...): our vocabulary, not the peer's words. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : "";
}
