// The credit restoration operations: thin handlers, validated input -> verb -> JSON.
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import { evidenceFileResponse } from "../notices/evidence-files.js";
import { applicationFile, applyForRestoration, getApplication, listApplications, merchantRestoration, platformRestoration, reviewApplication, type RestorationContext } from "./verbs.js";

export type RestorationDeps = Omit<RestorationContext, "actor">;

export function restorationHandlers(deps: RestorationDeps): Handlers {
  const ctx = (c: Context<AppEnv>): RestorationContext => ({ ...deps, actor: c.get("principal") });
  return {
    getMerchantRestoration: async (c) => c.json(await merchantRestoration(ctx(c))),
    applyMerchantRestoration: async (c, input) => c.json(await applyForRestoration(ctx(c), { submission: input.body }), 201),
    getEntityRestoration: async (c, input) => c.json(await platformRestoration(ctx(c), { entityId: input.params.entityId })),
    relayRestorationApplication: async (c, input) =>
      c.json(await applyForRestoration(ctx(c), { entityId: input.params.entityId, submission: input.body }), 201),
    listRestorationApplications: async (c, input) => c.json(await listApplications(ctx(c), input.query)),
    getRestorationApplication: async (c, input) => c.json(await getApplication(ctx(c), { applicationId: input.params.applicationId })),
    reviewRestorationApplication: async (c, input) =>
      c.json(await reviewApplication(ctx(c), { ...input.body, applicationId: input.params.applicationId })),
    getRestorationApplicationFile: async (c, input) =>
      evidenceFileResponse(c, { evidenceId: input.params.fileId, ...(await applicationFile(ctx(c), { applicationId: input.params.applicationId, fileId: input.params.fileId })) }),
  };
}
