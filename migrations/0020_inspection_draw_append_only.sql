-- An inspection draw is a published record anyone may re-run: the draw and its population
-- snapshot are append-only. UPDATE, DELETE and TRUNCATE raise.
CREATE FUNCTION "inspection_draw_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'inspection draws are never changed or removed';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "inspection_draw_no_update_delete" BEFORE UPDATE OR DELETE ON "inspection_draw"
  FOR EACH ROW EXECUTE FUNCTION "inspection_draw_append_only"();
--> statement-breakpoint
CREATE TRIGGER "inspection_draw_no_truncate" BEFORE TRUNCATE ON "inspection_draw"
  FOR EACH STATEMENT EXECUTE FUNCTION "inspection_draw_append_only"();
--> statement-breakpoint
CREATE TRIGGER "inspection_draw_member_no_update_delete" BEFORE UPDATE OR DELETE ON "inspection_draw_member"
  FOR EACH ROW EXECUTE FUNCTION "inspection_draw_append_only"();
--> statement-breakpoint
CREATE TRIGGER "inspection_draw_member_no_truncate" BEFORE TRUNCATE ON "inspection_draw_member"
  FOR EACH STATEMENT EXECUTE FUNCTION "inspection_draw_append_only"();
