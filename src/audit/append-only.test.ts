// The database itself refuses to change or remove audit rows (migration 0003).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { auditLog } from "../db/schema/audit.js";
import { appendAudit, verifyAuditChain } from "./index.js";

let t: TestDatabase;
const clock = new ManualClock();
beforeAll(async () => {
  t = await createTestDatabase();
  for (let i = 0; i < 3; i++) {
    await appendAudit(t.db.orm, clock, { actor: "system", action: "test", subjectType: "t", data: { i } });
  }
});
afterAll(async () => {
  await t?.drop();
});

describe("audit_log append-only trigger", () => {
  it.each([
    ["UPDATE", sql`update audit_log set actor = 'someone else' where seq = 2`],
    ["DELETE", sql`delete from audit_log where seq = 2`],
    ["TRUNCATE", sql`truncate audit_log`],
  ])("refuses %s", async (op, statement) => {
    const error = await t.db.orm.execute(statement).then(
      () => undefined,
      (e: unknown) => e,
    );
    // drizzle wraps the driver's error; the database's message is the cause.
    const cause = (error as { cause?: { message?: string; code?: string } } | undefined)?.cause;
    expect(cause?.message).toBe(`audit_log is append-only: ${op} is not allowed`);
    expect(cause?.code).toBe("42501");
    expect(await t.db.orm.select().from(auditLog)).toHaveLength(3);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: 3 });
  });

  it("still accepts appends", async () => {
    await appendAudit(t.db.orm, clock, { actor: "system", action: "test", subjectType: "t", data: {} });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: 4 });
  });
});
