ALTER TABLE "runs" ADD COLUMN "stop_as" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "settled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "workspace_removed_at" timestamp with time zone;