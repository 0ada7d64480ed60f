// The merchant link's operations (HTML page + JSON API). TODO(helper): implement.
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";

const todo = () => {
  throw new AppError("INTERNAL", "not built yet");
};

export function merchantHandlers(_deps: NoticesDeps): Handlers {
  return {
    getMerchantNoticePage: todo,
    getMerchantNotice: todo,
    acknowledgeMerchantNotice: todo,
    submitMerchantEvidence: todo,
    getMerchantEvidenceFile: todo,
  };
}
