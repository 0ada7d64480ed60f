// The platform's notice operations: read a notice, report delivery receipts, relay the
// merchant's acknowledgement and evidence (the same verbs the merchant link uses; the verbs
// check that the notice was sent to the calling platform).
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";
import { acknowledgeNotice, submitEvidence } from "./merchant-verbs.js";
import { readPlatformNotice, reportReceipt } from "./platform-verbs.js";

export function platformHandlers(deps: NoticesDeps): Handlers {
  return {
    getPlatformNotice: async (c, input) => c.json(await readPlatformNotice(deps, c.get("principal"), input.params.noticeId)),
    reportNoticeReceipt: async (c, input) =>
      c.json(await reportReceipt(deps, c.get("principal"), { noticeId: input.params.noticeId, receipt: input.body })),
    relayNoticeAcknowledge: async (c, input) =>
      c.json(await acknowledgeNotice(deps, { noticeId: input.params.noticeId, actor: c.get("principal"), note: input.body.note })),
    relayNoticeEvidence: async (c, input) =>
      c.json(await submitEvidence(deps, { noticeId: input.params.noticeId, actor: c.get("principal"), submission: input.body })),
  };
}
