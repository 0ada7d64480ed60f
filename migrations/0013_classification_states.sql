-- History keeps each score's feature states (smallint[], model order) instead of the
-- contributions spelled out as jsonb: with the model version the states fix every term
-- (src/scoring contributionsOf), and a row shrinks from ~850 bytes to ~80 — the daily full run
-- writes 1.57M of them. Rows written before keep their contributions.
ALTER TABLE "classification" ADD COLUMN IF NOT EXISTS "states" smallint[];--> statement-breakpoint
ALTER TABLE "classification" ALTER COLUMN "contributions" DROP NOT NULL;
