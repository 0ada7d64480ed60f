import { defineConfig } from "drizzle-kit";

// drizzle-kit writes SQL migrations from the tables in src/db/schema/. The event table is
// not there on purpose: it is range-partitioned, which drizzle-kit cannot express, so it is
// created by a custom migration (drizzle-kit generate --custom) and only typed by
// src/db/partitioned/event.ts.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/*.ts",
  out: "./migrations",
});
