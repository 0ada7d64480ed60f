CREATE INDEX "notice_issued_id" ON "notice" USING btree ("issued_at","id");--> statement-breakpoint
CREATE INDEX "rectification_case_opened_id" ON "rectification_case" USING btree ("opened_at","id");