CREATE TABLE "pull_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"repository" text NOT NULL,
	"branch" text NOT NULL,
	"number" integer NOT NULL,
	"url" text NOT NULL,
	"state" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"move_to_status_ids" uuid[] NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "last_heartbeat" jsonb;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "ssh" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "stop_as" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "settled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "workspace_removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "finish_requested_status_id" uuid;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD CONSTRAINT "pull_requests_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tokens" ADD CONSTRAINT "run_tokens_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pull_requests_ticket_repo" ON "pull_requests" USING btree ("ticket_id","repository");--> statement-breakpoint
CREATE INDEX "run_tokens_run" ON "run_tokens" USING btree ("run_id");