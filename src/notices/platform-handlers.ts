// The platform's notice operations: read a notice, report delivery receipts, relay the
// merchant's acknowledgement and evidence (the same verbs the merchant link uses; the verbs
// check that the notice was sent to the calling platform), revoke its own merchant link.
import { actorOf } from "../auth/actor.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";
import { revokeOwnMerchantLink } from "./link-verbs.js";
import { acknowledgeNotice, submitEvidence } from "./merchant-verbs.js";
import { readPlatformNotice, reportReceipt } from "./platform-verbs.js";

export function platformHandlers(deps: NoticesDeps): Handlers {
  return {
    getPlatformNotice: async (c, input) => c.json(await readPlatformNotice({ ...deps, actor: actorOf(c) }, { noticeId: input.params.noticeId })),
    reportNoticeReceipt: async (c, input) =>
      c.json(await reportReceipt({ ...deps, actor: actorOf(c) }, { noticeId: input.params.noticeId, receipt: input.body })),
    relayNoticeAcknowledge: async (c, input) =>
      c.json(await acknowledgeNotice({ ...deps, actor: actorOf(c) }, { noticeId: input.params.noticeId, note: input.body.note })),
    relayNoticeEvidence: async (c, input) =>
      c.json(await submitEvidence({ ...deps, actor: actorOf(c) }, { noticeId: input.params.noticeId, submission: input.body })),
    revokeOwnMerchantLink: async (c, input) =>
      c.json(await revokeOwnMerchantLink({ ...deps, actor: actorOf(c) }, { noticeId: input.params.noticeId, reason: input.body.reason })),
  };
}
