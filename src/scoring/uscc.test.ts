import { describe, expect, it } from "vitest";
import { isValidUscc, usccCheckChar } from "./uscc.js";
import { CsvError, csvLine, parseCsv } from "./csv.js";

describe("USCC check character (GB 32100-2015)", () => {
  it("accepts a published code and rejects a changed check character", () => {
    expect(usccCheckChar("91350100M000100Y4")).toBe("3");
    expect(isValidUscc("91350100M000100Y43")).toBe(true);
    expect(isValidUscc("91350100M000100Y44")).toBe(false);
  });
  it("rejects wrong length and characters outside the alphabet", () => {
    expect(isValidUscc("91350100M000100Y4")).toBe(false);
    expect(isValidUscc("91350100M000100I43")).toBe(false);
    expect(() => usccCheckChar("9135010OM000100Y4")).toThrow(/position 8/);
  });
});

describe("RFC 4180 CSV", () => {
  it("round-trips quotes, commas and newlines", () => {
    const text = "a,b\r\n" + csvLine(['x "q", y', "line1\nline2"]) + csvLine(["", 3]);
    const { header, rows, lines } = parseCsv(text);
    expect(header).toEqual(["a", "b"]);
    expect(rows).toEqual([['x "q", y', "line1\nline2"], ["", "3"]]);
    expect(lines).toEqual([2, 4]);
  });
  it("names the line of a bad record", () => {
    expect(() => parseCsv("a,b\n1,2\n3\n")).toThrow(new CsvError(3, "expected 2 fields, found 1"));
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(/line 2: unterminated/);
  });
});
