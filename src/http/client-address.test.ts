// Which address a request is counted against: the TCP peer, unless the operator named the
// header a trusted proxy writes.
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { addressLimitKey, clientAddress } from "./client-address.js";
import type { AppEnv } from "./context.js";

function request(peer: string, headers: Record<string, string> = {}): Context<AppEnv> {
  return {
    req: { header: (name: string) => headers[name.toLowerCase()] },
    env: { incoming: { socket: { remoteAddress: peer } } },
  } as unknown as Context<AppEnv>;
}

describe("clientAddress", () => {
  it("ignores forwarding headers unless one is configured", () => {
    expect(clientAddress(request("10.0.0.2", { "x-forwarded-for": "203.0.113.7" }), undefined)).toBe("10.0.0.2");
    expect(clientAddress(request("::ffff:10.0.0.2"), undefined)).toBe("10.0.0.2");
  });

  it("takes the configured header's rightmost entry, and the peer when it is missing or not an address", () => {
    expect(clientAddress(request("10.0.0.2", { "x-forwarded-for": "198.51.100.1, 203.0.113.7" }), "x-forwarded-for")).toBe("203.0.113.7");
    expect(clientAddress(request("10.0.0.2", { "x-real-ip": "2001:DB8::1" }), "x-real-ip")).toBe("2001:db8::1");
    expect(clientAddress(request("10.0.0.2", { "x-real-ip": "[2001:db8::1]:4433" }), "x-real-ip")).toBe("2001:db8::1");
    expect(clientAddress(request("10.0.0.2"), "x-forwarded-for")).toBe("10.0.0.2");
    expect(clientAddress(request("10.0.0.2", { "x-forwarded-for": "evil, not-an-ip" }), "x-forwarded-for")).toBe("10.0.0.2");
  });
});

describe("addressLimitKey", () => {
  it("is the IPv4 address, or the IPv6 /64", () => {
    expect(addressLimitKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressLimitKey("2001:db8:7:7::1")).toBe("2001:db8:7:7::/64");
    expect(addressLimitKey("2001:db8:7:7:ffff:1:2:3")).toBe("2001:db8:7:7::/64");
    expect(addressLimitKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
  });
});
