// The merchant link's operations: the page (GET /m, the same for every notice: the token stays
// in the URL fragment), its script, the old path form (refused without reading the token), and
// the JSON/HTML API the page's script calls (the merchantLink authenticator has set the
// principal). Thin: the verbs in merchant-verbs.ts check who may act and do the work.
import { randomBytes } from "node:crypto";
import { actorOf } from "../auth/actor.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";
import { evidenceFileResponse } from "./evidence-files.js";
import { acknowledgeNotice, merchantNoticeView, noticeEvidenceFile, submitEvidence } from "./merchant-verbs.js";
import { contentHeaders, pageHeaders, renderMerchantPage, renderNoticeContent, renderPathLinkPage, scriptHeaders } from "./page.js";
import { MERCHANT_PAGE_SCRIPT } from "./page-script.js";

/** A fresh nonce per response: the page's style carries it. */
const nonce = () => randomBytes(16).toString("base64");

export function merchantHandlers(deps: NoticesDeps): Handlers {
  return {
    getMerchantNoticePage: async (c) => {
      const n = nonce();
      return c.body(renderMerchantPage(n), 200, pageHeaders(n));
    },
    getMerchantPageScript: async (c) => c.body(MERCHANT_PAGE_SCRIPT, 200, scriptHeaders),
    getMerchantPathLink: async (c) => {
      const n = nonce();
      return c.body(renderPathLinkPage(n), 410, pageHeaders(n));
    },
    getMerchantNoticeHtml: async (c) => {
      const actor = actorOf(c);
      const view = await merchantNoticeView({ ...deps, actor });
      return c.body(renderNoticeContent(view, deps.restoration ? await deps.restoration(actor) : null), 200, contentHeaders);
    },
    getMerchantNotice: async (c) => c.json(await merchantNoticeView({ ...deps, actor: actorOf(c) })),
    acknowledgeMerchantNotice: async (c, input) => c.json(await acknowledgeNotice({ ...deps, actor: actorOf(c) }, { note: input.body?.note })),
    submitMerchantEvidence: async (c, input) => c.json(await submitEvidence({ ...deps, actor: actorOf(c) }, { submission: input.body })),
    getMerchantEvidenceFile: async (c, input) =>
      evidenceFileResponse(c, await noticeEvidenceFile({ ...deps, actor: actorOf(c) }, { evidenceId: input.params.evidenceId })),
  };
}
