// Credit restoration (信用修复): the explanation of what keeps an entity outside the sandbox
// (explain.ts), applications with evidence and their review (verbs.ts, store.ts).
export { restorationHandlers, type RestorationDeps } from "./handlers.js";
export { merchantRestoration, type Restoration } from "./verbs.js";
