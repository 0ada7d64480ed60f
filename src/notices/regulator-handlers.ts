// The regulator's notice and rectification operations. TODO(helper): implement.
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import type { NoticesDeps } from "./deps.js";

const todo = () => {
  throw new AppError("INTERNAL", "not built yet");
};

export function regulatorHandlers(_deps: NoticesDeps): Handlers {
  return {
    listNotices: todo,
    createManualNotice: todo,
    getNotice: todo,
    listNoticeTemplates: todo,
    saveNoticeTemplate: todo,
    listRectifications: todo,
    getRectification: todo,
    reviewRectification: todo,
    getRectificationEvidenceFile: todo,
    getNoticeFigures: todo,
  };
}
