ALTER TABLE "runs" ADD COLUMN "stored_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "runs" SET "stored_seq" = coalesce((SELECT max("seq") FROM "run_events" WHERE "run_events"."run_id" = "runs"."id"), 0);
