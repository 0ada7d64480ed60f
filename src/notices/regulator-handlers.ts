// The regulator's notice and rectification operations: thin handlers, validated input -> verb ->
// JSON. Role and region scope are checked inside the verbs.
import { actorOf } from "../auth/actor.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";
import { noticeFigures } from "./figures.js";
import { evidenceFileResponse } from "./evidence-files.js";
import { getRectification, listRectifications, rectificationEvidenceFile } from "./rectification-verbs.js";
import { createManualNotice, getNotice, listNotices, listNoticeTemplates, saveNoticeTemplate } from "./regulator-verbs.js";
import { reviewRectification } from "./review.js";
import { revokeMerchantLinks } from "./link-verbs.js";

export function regulatorHandlers(deps: NoticesDeps): Handlers {
  return {
    listNotices: async (c, input) => c.json(await listNotices(deps, actorOf(c), input.query)),
    createManualNotice: async (c, input) => c.json(await createManualNotice(deps, actorOf(c), input.body), 201),
    getNotice: async (c, input) => c.json(await getNotice(deps, actorOf(c), input.params.noticeId)),
    listNoticeTemplates: async (c) => c.json({ templates: await listNoticeTemplates(deps, actorOf(c)) }),
    saveNoticeTemplate: async (c, input) => c.json(await saveNoticeTemplate(deps, actorOf(c), input.params.key, input.body)),
    listRectifications: async (c, input) => c.json(await listRectifications(deps, actorOf(c), input.query)),
    getRectification: async (c, input) => c.json(await getRectification(deps, actorOf(c), input.params.caseId)),
    reviewRectification: async (c, input) => c.json(await reviewRectification(deps, actorOf(c), { ...input.body, caseId: input.params.caseId })),
    getRectificationEvidenceFile: async (c, input) => evidenceFileResponse(c, await rectificationEvidenceFile(deps, actorOf(c), input.params)),
    revokeMerchantLinks: async (c, input) => c.json(await revokeMerchantLinks({ ...deps, actor: actorOf(c) }, { ...input.body, noticeId: input.params.noticeId })),
    getNoticeFigures: async (c, input) => c.json(await noticeFigures(deps, actorOf(c), input.query)),
  };
}
