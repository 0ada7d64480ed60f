import { describe, expect, it } from "vitest";
import { isPermanent } from "../jobs/registry.js";
import { JobRegistry } from "../jobs/index.js";
import { parseWarningRaised, warningRaisedJob, WARNING_RAISED_JOB, type WarningRaisedPayload } from "./jobs.js";

describe("warning.raised (the notice issue's seam)", () => {
  const id = "01900000-0000-7000-8000-000000000001";

  it("accepts {warningId, action} and refuses anything else as a permanent error", () => {
    expect(parseWarningRaised({ warningId: id, action: "warn_and_notice" })).toEqual({ warningId: id, action: "warn_and_notice" });
    for (const bad of [null, {}, { warningId: "x", action: "warn" }, { warningId: id, action: "record" }, { warningId: id, action: "explode" }]) {
      let caught: unknown;
      try {
        parseWarningRaised(bad);
      } catch (err) {
        caught = err;
      }
      expect(isPermanent(caught), JSON.stringify(bad)).toBe(true);
    }
  });

  it("hands the parsed payload to the installed handler", async () => {
    const seen: WarningRaisedPayload[] = [];
    const registry = new JobRegistry().define(warningRaisedJob(async (p) => void seen.push(p)));
    await registry.run(WARNING_RAISED_JOB, { warningId: id, action: "remind", extra: 1 }, { jobId: 1, attempt: 1 });
    expect(seen).toEqual([{ warningId: id, action: "remind" }]);
    await expect(registry.run(WARNING_RAISED_JOB, { warningId: id }, { jobId: 2, attempt: 1 })).rejects.toSatisfy(isPermanent);
  });
});
