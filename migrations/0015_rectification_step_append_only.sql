-- A rectification case's timeline is evidence of who did what and when (merchant, platform,
-- officer, deadline jobs): append-only, like audit_log. UPDATE, DELETE and TRUNCATE raise.
CREATE FUNCTION "rectification_step_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rectification_step is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'timeline steps are never changed or removed';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "rectification_step_no_update_delete" BEFORE UPDATE OR DELETE ON "rectification_step"
  FOR EACH ROW EXECUTE FUNCTION "rectification_step_append_only"();
--> statement-breakpoint
CREATE TRIGGER "rectification_step_no_truncate" BEFORE TRUNCATE ON "rectification_step"
  FOR EACH STATEMENT EXECUTE FUNCTION "rectification_step_append_only"();
