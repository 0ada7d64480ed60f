// The screening tool (风险筛查): a documented catalogue of data items over every entity
// (catalogue.ts), conditions compiled to parameterised SQL (conditions.ts, query.ts), saved
// screenings and the streamed export (verbs.ts), and the per-entity tag rollup classification
// keeps current (tags.ts).
export { screeningHandlers } from "./handlers.js";
export { writeEntityTags, relationshipTags, writeRelationshipTags } from "./tags.js";
export { validConditions, compileConditions, type Condition } from "./conditions.js";
export { ownedScreening } from "./verbs.js";
export { SCREENING_FROM, SCREENING_ITEMS } from "./catalogue.js";
