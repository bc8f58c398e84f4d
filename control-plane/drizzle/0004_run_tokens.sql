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
ALTER TABLE "runs" ADD COLUMN "finish_requested_status_id" uuid;--> statement-breakpoint
ALTER TABLE "run_tokens" ADD CONSTRAINT "run_tokens_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_tokens_run" ON "run_tokens" USING btree ("run_id");