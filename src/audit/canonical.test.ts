import { describe, expect, it } from "vitest";
import { AuditValueError, canonicalJson, toJsonValue } from "./canonical.js";
import { auditRowCanonical, auditRowHash, GENESIS_HASH } from "./hash.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth by UTF-16 code units and writes no whitespace", () => {
    const value = toJsonValue({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, aa: true, B: "x", é: 1, "😀": 2, ｚ: 3 });
    expect(canonicalJson(value)).toBe('{"B":"x","a":{"c":null,"d":[3,{"y":2,"z":1}]},"aa":true,"b":1,"é":1,"😀":2,"ｚ":3}');
    // UTF-16 order, as JCS prescribes: 😀 (U+1F600, units D83D DE00) sorts before ｚ (U+FF5A).
  });

  it("writes numbers the ECMAScript way, whatever their spelling", () => {
    expect(canonicalJson(toJsonValue([1.5, 1.50, 1e21, 1000000000000000000000, 1e-7, -0, 0.1 + 0.2]))).toBe(
      "[1.5,1.5,1e+21,1e+21,1e-7,0,0.30000000000000004]",
    );
  });

  it("is independent of insertion order", () => {
    const a = toJsonValue({ x: { p: 1, q: [1, 2] }, y: "中文" });
    const b = toJsonValue({ y: "中文", x: { q: [1, 2], p: 1 } });
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it("stores what JSON.stringify would (toJSON, undefined members dropped)", () => {
    const at = new Date("2026-03-04T05:06:07.089Z");
    expect(toJsonValue({ at, gone: undefined, keep: 1 })).toEqual({ at: "2026-03-04T05:06:07.089Z", keep: 1 });
  });

  it("refuses values that would not read back unchanged", () => {
    expect(() => toJsonValue({ n: Number.NaN })).toThrow(AuditValueError);
    expect(() => toJsonValue({ n: Infinity })).toThrow(/not representable/);
    expect(() => toJsonValue({ big: 1n })).toThrow(AuditValueError);
    expect(() => toJsonValue([undefined])).toThrow(AuditValueError);
    expect(() => toJsonValue({ s: "a\u0000b" })).toThrow(/NUL/);
    expect(() => toJsonValue({ s: "\ud800" })).toThrow(/surrogate/);
    expect(() => toJsonValue({ "\udfff": 1 })).toThrow(/surrogate/);
    expect(toJsonValue({ s: "😀" })).toEqual({ s: "😀" }); // a proper pair is fine
  });
});

describe("audit row hash", () => {
  it("follows the documented recipe", () => {
    const row = {
      seq: 1,
      at: new Date("2026-01-01T00:00:00Z"),
      actor: "regulator:r1",
      action: "sandbox.admit",
      subjectType: "entity",
      subjectId: null,
      data: { reason: "低风险" },
      prevHash: GENESIS_HASH,
    };
    expect(auditRowCanonical(row)).toBe(
      `{"action":"sandbox.admit","actor":"regulator:r1","at":"2026-01-01T00:00:00.000Z","data":{"reason":"低风险"},` +
        `"prev_hash":"${GENESIS_HASH}","seq":1,"subject_id":null,"subject_type":"entity"}`,
    );
    expect(auditRowHash(row)).toMatch(/^[0-9a-f]{64}$/);
    expect(auditRowHash({ ...row, seq: 2 })).not.toBe(auditRowHash(row));
  });
});
