// The merchant link's operations: the HTML page (GET /m/<token>, the token checked here) and the
// JSON API (the merchantLink authenticator has set the principal). Thin: the verbs in
// merchant-verbs.ts check who may act and do the work.
import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import type { Actor } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import { linkDeps, type NoticesDeps } from "./deps.js";
import { evidenceFileResponse } from "./evidence-files.js";
import { merchantPrincipal } from "./merchant-auth.js";
import { acknowledgeNotice, merchantNoticeView, noticeEvidenceFile, submitEvidence } from "./merchant-verbs.js";
import { pageHeaders, renderInvalidLinkPage, renderNoticePage } from "./page.js";

/** The merchant principal the authenticator set. */
function merchantOf(c: Context<AppEnv>): Extract<Actor, { kind: "merchant" }> {
  const p = c.get("principal");
  if (p?.kind !== "merchant") throw new AppError("UNAUTHORIZED", "send Authorization: Bearer <the merchant link's token>");
  return p;
}

export function merchantHandlers(deps: NoticesDeps): Handlers {
  const principalDeps = { ...linkDeps(deps), db: deps.db };
  return {
    getMerchantNoticePage: async (c, input) => {
      // A fresh nonce per response: the page's only script and style carry it.
      const nonce = randomBytes(16).toString("base64");
      let merchant;
      try {
        merchant = await merchantPrincipal(principalDeps, input.params.token);
      } catch (err) {
        if (err instanceof AppError && err.code === "TOKEN_INVALID") return c.body(renderInvalidLinkPage(nonce), 401, pageHeaders(nonce));
        throw err;
      }
      const view = await merchantNoticeView(deps, merchant);
      return c.body(renderNoticePage(view, nonce, deps.restoration ? await deps.restoration(merchant) : null), 200, pageHeaders(nonce));
    },
    getMerchantNotice: async (c) => c.json(await merchantNoticeView(deps, merchantOf(c))),
    acknowledgeMerchantNotice: async (c, input) => {
      const actor = merchantOf(c);
      return c.json(await acknowledgeNotice(deps, { noticeId: actor.noticeId, actor, note: input.body?.note }));
    },
    submitMerchantEvidence: async (c, input) => {
      const actor = merchantOf(c);
      return c.json(await submitEvidence(deps, { noticeId: actor.noticeId, actor, submission: input.body }));
    },
    getMerchantEvidenceFile: async (c, input) => {
      const actor = merchantOf(c);
      return evidenceFileResponse(c, await noticeEvidenceFile(deps, { noticeId: actor.noticeId, actor, evidenceId: input.params.evidenceId }));
    },
  };
}
