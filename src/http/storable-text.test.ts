import { describe, expect, it } from "vitest";
import { mayHoldUnstorableText, unstorableTextAt } from "./storable-text.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("unstorable text", () => {
  it("points at the first NUL or lone surrogate, in values and member names; paired surrogates are fine", () => {
    expect(unstorableTextAt({ a: "ok \u{1F600}", b: ["x", "half \ud800"] })).toBe("/b/1");
    expect(unstorableTextAt({ "a/b": { "c~\udfff": 1 } })).toBe("/a~1b/c~0\udfff");
    expect(unstorableTextAt({ s: "nul \u0000" })).toBe("/s");
    expect(unstorableTextAt("\ud83d")).toBe("/");
    expect(unstorableTextAt({ a: "😀", n: 1, t: true, z: null })).toBeUndefined();
  });

  it("rules a raw body out unless it has a \\u0000 or \\uD800-\\uDFFF escape", () => {
    expect(mayHoldUnstorableText(bytes('{"a":"plain 😀"}'))).toBe(false);
    expect(mayHoldUnstorableText(bytes('{"a":"\\u0000"}'))).toBe(true);
    expect(mayHoldUnstorableText(bytes('{"a":"\\uD800"}'))).toBe(true);
    expect(mayHoldUnstorableText(bytes('{"a":"\\udfff"}'))).toBe(true);
    expect(mayHoldUnstorableText(bytes('{"a":"\\u00e9"}'))).toBe(false);
  });
});
