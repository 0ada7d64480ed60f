// Double-random inspection draws (双随机、一公开): the deterministic draw (draw.ts), its stored,
// immutable record, verification and inspection results (verbs.ts). A violation found by an
// inspection is a training label (classification/lifecycle-train.ts reads inspection_result).
export { inspectionHandlers } from "./handlers.js";
export { createDraw, drawPopulation, getDraw, listDraws, verifyDraw, recordInspectionResult } from "./verbs.js";
