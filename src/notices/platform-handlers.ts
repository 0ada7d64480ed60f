// The platform's notice operations: read a notice, report delivery receipts, relay the
// merchant's acknowledgement and evidence. TODO: implement.
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";

const todo = () => {
  throw new AppError("INTERNAL", "not built yet");
};

export function platformHandlers(_deps: NoticesDeps): Handlers {
  return {
    getPlatformNotice: todo,
    reportNoticeReceipt: todo,
    relayNoticeAcknowledge: todo,
    relayNoticeEvidence: todo,
  };
}
