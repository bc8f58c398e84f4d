ALTER TABLE "join_tokens" ADD COLUMN "max_slots" integer;--> statement-breakpoint
ALTER TABLE "join_tokens" ADD COLUMN "clis" text[];--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "max_slots" integer;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "allowed_clis" text[];--> statement-breakpoint
UPDATE "machines" SET "max_slots" = "slots";