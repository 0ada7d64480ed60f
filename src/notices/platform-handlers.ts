// The platform's notice operations: read a notice, report delivery receipts, relay the
// merchant's acknowledgement and evidence (the same verbs the merchant link uses).
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";
import { readPlatformNotice, reportReceipt } from "./platform-verbs.js";

const todo = () => {
  throw new AppError("INTERNAL", "not built yet");
};

export function platformHandlers(deps: NoticesDeps): Handlers {
  return {
    getPlatformNotice: async (c, input) => c.json(await readPlatformNotice(deps, c.get("principal"), input.params.noticeId)),
    reportNoticeReceipt: async (c, input) =>
      c.json(await reportReceipt(deps, c.get("principal"), { noticeId: input.params.noticeId, receipt: input.body })),
    relayNoticeAcknowledge: todo,
    relayNoticeEvidence: todo,
  };
}
