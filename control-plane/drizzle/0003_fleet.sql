ALTER TABLE "machines" ADD COLUMN "last_heartbeat" jsonb;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "ssh" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "cancel_requested_at" timestamp with time zone;