-- audit_head is append-only, as audit_log is: UPDATE, DELETE and TRUNCATE raise. A database
-- owner can still disable the triggers; a forged head then fails its signature check.
CREATE FUNCTION "audit_head_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_head is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'signed audit heads are never changed or removed';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_head_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_head"
  FOR EACH ROW EXECUTE FUNCTION "audit_head_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_head_no_truncate" BEFORE TRUNCATE ON "audit_head"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_head_append_only"();
