// All tables. Every aggregate has its own file; later issues add theirs here.
export * from "./schema/platform.js";
export * from "./schema/entity.js";
export * from "./partitioned/event.js";
export * from "./schema/event-key.js";
export * from "./schema/batch.js";
export * from "./schema/idempotency.js";
export * from "./schema/outbox.js";
export * from "./schema/audit.js";
export * from "./schema/gateway-key.js";
export * from "./schema/used-jti.js";
export * from "./schema/regulator-user.js";
export * from "./schema/outbound.js";
export * from "./schema/reclass-run.js";
export * from "./schema/classification.js";
export * from "./partitioned/classification.js";
export * from "./schema/entity-link.js";
