import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { checkConditions, compileConditions, itemsOf, validConditions } from "./conditions.js";
import { SCREENING_ITEMS } from "./catalogue.js";

const dialect = new PgDialect();
const now = new Date("2026-03-01T00:00:00Z");

describe("screening conditions", () => {
  it("binds every value as a parameter; the SQL text holds only catalogue expressions", () => {
    const hostile = "food'); delete from entity; --";
    const cond = validConditions({
      any: [
        { item: "complaints_90d", op: "between", value: [3, 99] },
        { all: [{ item: "district", op: "in", value: ["510104", "510107"] }, { item: "established_on", op: "before", value: "2020-01-01" }] },
        { item: "risk_class", op: "changed_within_days", value: 30 },
      ],
    });
    const q = dialect.sqlToQuery(compileConditions(cond, now));
    expect(q.params).toEqual([3, 99, "510104", "510107", "2020-01-01T00:00:00.000Z", "2026-01-30T00:00:00.000Z"]);
    expect(q.sql).not.toMatch(/510104|2020-01-01|99/);
    expect(q.sql).toContain("e.class_since >=");
    // A string where the catalogue has a closed list never gets as far as SQL.
    expect(checkConditions({ item: "category", op: "eq", value: hostile })).toEqual([{ pointer: "/conditions/value", message: expect.stringContaining("must be one of") }]);
  });

  it("points at every problem: unknown item, operator not for the type, wrong value, empty group, depth", () => {
    const errors = checkConditions({
      all: [
        { item: "nope", op: "eq", value: 1 },
        { item: "licence_revoked", op: "gt", value: 1 },
        { item: "complaints_90d", op: "gte", value: "3" },
        { item: "probability", op: "changed_within_days", value: 3 },
        { any: [] },
        { item: "complaints_90d", op: "is_null", value: 1 },
        { item: "complaints_90d", op: "eq", value: 1, extra: true },
      ],
    });
    expect(errors.map((e) => e.pointer)).toEqual([
      "/conditions/all/0/item", "/conditions/all/1/op", "/conditions/all/2/value", "/conditions/all/3/op",
      "/conditions/all/4/any", "/conditions/all/5/value", "/conditions/all/6/extra",
    ]);
    let deep: unknown = { item: "loss", op: "gt", value: 0 };
    for (let k = 0; k < 6; k++) deep = { all: [deep] };
    expect(checkConditions(deep).map((e) => e.message)).toEqual([expect.stringContaining("nest at most")]);
    expect(() => validConditions({ item: "nope", op: "eq" })).toThrow(/VALIDATION_FAILED/);
  });

  it("lists the items a condition reads, once each, in first-use order", () => {
    expect(itemsOf({ all: [{ item: "loss", op: "gt", value: 0 }, { any: [{ item: "category", op: "eq", value: "food" }, { item: "loss", op: "lt", value: 1 }] }] })).toEqual(["loss", "category"]);
  });

  it("has a catalogue of at least 42 documented items, keys unique, enum levels or a pattern", () => {
    expect(SCREENING_ITEMS.length).toBeGreaterThanOrEqual(42);
    expect(new Set(SCREENING_ITEMS.map((i) => i.key)).size).toBe(SCREENING_ITEMS.length);
    for (const i of SCREENING_ITEMS) if (i.type === "enum" && i.key !== "district") expect(i.levels?.length, i.key).toBeGreaterThan(0);
  });
});
