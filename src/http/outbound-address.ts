// Where the gateway may send requests it makes on someone else's say-so (platform webhooks):
// the URL a platform registers must not turn the gateway into a proxy into its own network.
// The scheme must be https, and the address the host resolves to must be a public one: loopback,
// private (RFC 1918, ULA), carrier-grade NAT, link-local, cloud metadata, unspecified,
// multicast and reserved ranges are refused, including IPv6 forms that embed such an IPv4
// address (IPv4-mapped, NAT64, 6to4). Two development switches loosen this for a receiver on
// the developer's own machine; the metadata, link-local and other never-public ranges stay
// refused even then.
import { isIP } from "node:net";

export interface OutboundPolicy {
  /** Accept http:// as well as https:// (development only). */
  allowHttp: boolean;
  /** Accept loopback, RFC 1918 / ULA and carrier-grade NAT addresses (development, or a private deployment). */
  allowPrivateAddresses: boolean;
}

/** Production: https to public addresses only. */
export const STRICT_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({ allowHttp: false, allowPrivateAddresses: false });

export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "carrier-grade NAT"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved";

/** The classes the development switch lets through; everything else but "public" never. */
const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(["loopback", "private", "carrier-grade NAT"]);

/** A refusal, in our own words: safe to store and show (never the remote side's content). */
export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutboundRefused";
  }
}

type Rule = { prefix: bigint; bits: number; width: 32 | 128; is: AddressClass | "embedded-v4" };

const V4_RULES: Array<[string, number, AddressClass]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["169.254.169.254", 32, "metadata"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"], // and 255.255.255.255, the broadcast address
];

const V6_RULES: Array<[string, number, AddressClass | "embedded-v4"]> = [
  ["::", 8, "reserved"], // IPv4-compatible and other retired forms
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::ffff:0:0", 96, "embedded-v4"], // IPv4-mapped
  ["64:ff9b::", 96, "embedded-v4"], // NAT64 well-known prefix
  ["64:ff9b:1::", 48, "private"], // NAT64 local use
  ["100::", 64, "reserved"], // discard only
  ["2001::", 32, "reserved"], // Teredo: an obfuscated IPv4 address inside
  ["2001:db8::", 32, "reserved"], // documentation
  ["2002::", 16, "embedded-v4"], // 6to4
  ["fc00::", 7, "private"], // unique local
  ["fd00:ec2::254", 128, "metadata"], // AWS instance metadata over IPv6
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "reserved"], // site-local, deprecated
  ["ff00::", 8, "multicast"],
];

// Longest prefix first, so the most specific rule (metadata inside link-local or ULA) wins.
const RULES: Rule[] = [
  ...V4_RULES.map(([a, bits, is]): Rule => ({ prefix: v4ToBigInt(a), bits, width: 32, is })),
  ...V6_RULES.map(([a, bits, is]): Rule => ({ prefix: v6ToBigInt(a), bits, width: 128, is })),
].sort((x, y) => y.bits - x.bits);

function v4ToBigInt(ip: string): bigint {
  return ip.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBigInt(ip: string): bigint {
  let text = ip;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = Number(v4ToBigInt(dotted[1]!));
    text = text.slice(0, dotted.index) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

const matches = (value: bigint, width: number, r: Rule) => r.width === width && value >> BigInt(width - r.bits) === r.prefix >> BigInt(width - r.bits);

/** The class of an IP address (v4 or v6, no brackets or zone); throws on a non-address. */
export function classifyAddress(address: string): AddressClass {
  const ip = address.replace(/%.*$/, "");
  const family = isIP(ip);
  if (family === 0) throw new OutboundRefused("not an IP address");
  const width = family === 4 ? 32 : 128;
  const value = family === 4 ? v4ToBigInt(ip) : v6ToBigInt(ip);
  const rule = RULES.find((r) => matches(value, width, r));
  if (!rule) return "public";
  if (rule.is !== "embedded-v4") return rule.is;
  // IPv4-mapped and NAT64 carry the IPv4 address in their last 32 bits, 6to4 in bits 16-48.
  const v4 = rule.bits === 16 ? (value >> 80n) & 0xffffffffn : value & 0xffffffffn;
  return classifyAddress([24n, 16n, 8n, 0n].map((s) => String((v4 >> s) & 0xffn)).join("."));
}

/** Refuses an address the policy does not allow, naming its class. */
export function checkAddress(address: string, policy: OutboundPolicy): void {
  const cls = classifyAddress(address);
  if (cls === "public") return;
  if (policy.allowPrivateAddresses && PRIVATE_CLASSES.has(cls)) return;
  throw new OutboundRefused(`the address is ${cls === "unspecified" || cls === "reserved" ? `${cls}` : `a ${cls} address`}, which is refused`);
}

/** The URL's host without IPv6 brackets or a trailing dot. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase();
}

/**
 * What can be checked without DNS (at registration and again before each send): an absolute
 * https URL (http only when allowed), no credentials in it, and a host that is not an address
 * or a local name the policy refuses. Names are resolved and checked when a request is sent.
 */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused("not a valid absolute URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp)) {
    throw new OutboundRefused(policy.allowHttp ? "the URL must use https or http" : "the URL must use https");
  }
  if (url.username || url.password) throw new OutboundRefused("the URL must not carry credentials");
  const host = hostOf(url);
  if (isIP(host) !== 0) checkAddress(host, policy);
  else if (host === "localhost" || host.endsWith(".localhost")) checkAddress("127.0.0.1", policy);
  return url;
}
