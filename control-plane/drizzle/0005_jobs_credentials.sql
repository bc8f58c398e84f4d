CREATE TABLE "job_fires" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"scheduled_for" timestamp with time zone,
	"trigger" text NOT NULL,
	"fired_at" timestamp with time zone NOT NULL,
	"ticket_id" uuid,
	"ticket_identifier" text,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "scheduled_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"cron" text NOT NULL,
	"time_zone" text NOT NULL,
	"template" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"catch_up" text DEFAULT 'skip' NOT NULL,
	"next_fire_at" timestamp with time zone,
	"last_fire_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "join_tokens" ADD COLUMN "credential_ttl_seconds" integer;--> statement-breakpoint
ALTER TABLE "machine_credentials" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_fires" ADD CONSTRAINT "job_fires_job_id_scheduled_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."scheduled_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_fires" ADD CONSTRAINT "job_fires_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_jobs" ADD CONSTRAINT "scheduled_jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "job_fires_job_scheduled" ON "job_fires" USING btree ("job_id","scheduled_for");--> statement-breakpoint
CREATE INDEX "job_fires_job_fired" ON "job_fires" USING btree ("job_id","fired_at");--> statement-breakpoint
CREATE UNIQUE INDEX "scheduled_jobs_project_name" ON "scheduled_jobs" USING btree ("project_id",lower("name"));--> statement-breakpoint
CREATE INDEX "scheduled_jobs_next_fire" ON "scheduled_jobs" USING btree ("next_fire_at");