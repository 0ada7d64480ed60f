// The outbound address policy, range by range, including the IPv6 spellings of IPv4 addresses.
import { describe, expect, it } from "vitest";
import { checkAddress, checkOutboundUrl, classifyAddress, STRICT_OUTBOUND_POLICY, type OutboundPolicy } from "./outbound-address.js";

const DEV: OutboundPolicy = { allowHttp: true, allowPrivateAddresses: true };

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["172.32.0.1", "public"],
    ["100.128.0.1", "public"],
    ["2606:4700:4700::1111", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["fd12:3456::1", "private"],
    ["fc00::1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["192.0.2.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["::127.0.0.1", "reserved"],
  ])("%s is %s", (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["64:ff9b::808:808", "public"],
    ["2002:7f00:1::", "loopback"],
    ["2002:0a00:0001::1", "private"],
  ])("sees through %s (%s)", (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
});

describe("checkAddress", () => {
  it("lets only public addresses through in production", () => {
    expect(() => checkAddress("8.8.8.8", STRICT_OUTBOUND_POLICY)).not.toThrow();
    for (const a of ["127.0.0.1", "10.0.0.1", "100.64.0.1", "fd00::1", "::ffff:192.168.0.1"]) {
      expect(() => checkAddress(a, STRICT_OUTBOUND_POLICY)).toThrow(/refused/);
    }
  });

  it("lets the development switch open loopback and private ranges, never metadata or link-local", () => {
    for (const a of ["127.0.0.1", "::1", "10.0.0.1", "192.168.0.1", "fd00::1"]) expect(() => checkAddress(a, DEV)).not.toThrow();
    for (const a of ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "169.254.10.10", "fe80::1", "0.0.0.0", "::", "224.0.0.1"]) {
      expect(() => checkAddress(a, DEV)).toThrow(/refused/);
    }
  });
});

describe("checkOutboundUrl", () => {
  it("wants https, no credentials, and no refused literal address or local name", () => {
    expect(checkOutboundUrl("https://hooks.example.com/x", STRICT_OUTBOUND_POLICY).href).toBe("https://hooks.example.com/x");
    const refused = [
      "http://hooks.example.com/x",
      "ftp://hooks.example.com/x",
      "https://user:pw@hooks.example.com/x",
      "https://127.0.0.1/x",
      "https://2130706433/x", // 127.0.0.1 spelled as a number
      "https://0x7f.1/x",
      "https://[::1]/x",
      "https://[::ffff:169.254.169.254]/x",
      "https://169.254.169.254/latest/meta-data",
      "https://[fd00:ec2::254]/x",
      "https://localhost/x",
      "https://api.localhost./x",
      "not a url",
    ];
    for (const url of refused) expect(() => checkOutboundUrl(url, STRICT_OUTBOUND_POLICY), url).toThrow();
  });

  it("accepts http and a loopback receiver only with the development switches", () => {
    expect(checkOutboundUrl("http://127.0.0.1:8080/hook", DEV).port).toBe("8080");
    expect(() => checkOutboundUrl("http://hooks.example.com/x", { ...STRICT_OUTBOUND_POLICY, allowPrivateAddresses: true })).toThrow(/https/);
    expect(() => checkOutboundUrl("https://169.254.169.254/", DEV)).toThrow(/metadata/);
  });
});
