// The regulator's notice and rectification operations: thin handlers, validated input -> verb ->
// JSON. Role and region scope are checked inside the verbs.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";
import { noticeFigures } from "./figures.js";
import { evidenceFileResponse } from "./evidence-files.js";
import { getRectification, listRectifications, rectificationEvidenceFile } from "./rectification-verbs.js";
import { createManualNotice, getNotice, listNotices, listNoticeTemplates, saveNoticeTemplate } from "./regulator-verbs.js";
import { reviewRectification } from "./review.js";
import { revokeMerchantLinks } from "./link-verbs.js";

export function regulatorHandlers(deps: NoticesDeps): Handlers {
  const ctx = (c: Context<AppEnv>) => ({ ...deps, actor: actorOf(c) });
  return {
    listNotices: async (c, input) => c.json(await listNotices(ctx(c), input.query)),
    createManualNotice: async (c, input) => c.json(await createManualNotice(ctx(c), input.body), 201),
    getNotice: async (c, input) => c.json(await getNotice(ctx(c), { noticeId: input.params.noticeId })),
    listNoticeTemplates: async (c) => c.json({ templates: await listNoticeTemplates(ctx(c)) }),
    saveNoticeTemplate: async (c, input) => c.json(await saveNoticeTemplate(ctx(c), { ...input.body, key: input.params.key })),
    listRectifications: async (c, input) => c.json(await listRectifications(ctx(c), input.query)),
    getRectification: async (c, input) => c.json(await getRectification(ctx(c), { caseId: input.params.caseId })),
    reviewRectification: async (c, input) => c.json(await reviewRectification(ctx(c), { ...input.body, caseId: input.params.caseId })),
    getRectificationEvidenceFile: async (c, input) => evidenceFileResponse(c, await rectificationEvidenceFile(ctx(c), input.params)),
    revokeMerchantLinks: async (c, input) => c.json(await revokeMerchantLinks(ctx(c), { ...input.body, noticeId: input.params.noticeId })),
    getNoticeFigures: async (c, input) => c.json(await noticeFigures(ctx(c), input.query)),
  };
}
