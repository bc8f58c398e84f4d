CREATE TABLE "ticket_reviews" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"state" text NOT NULL,
	"source" text NOT NULL,
	"author_type" text NOT NULL,
	"author_id" text NOT NULL,
	"author_name" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "external_issues" (
	"ticket_id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"repo" text NOT NULL,
	"number" integer NOT NULL,
	"url" text NOT NULL,
	"synced_hash" text NOT NULL,
	"remote_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "github_links" (
	"project_id" uuid PRIMARY KEY NOT NULL,
	"api_url" text NOT NULL,
	"token" text,
	"webhook_secret" text,
	"issues_repo" text,
	"issues_sync" boolean DEFAULT false NOT NULL,
	"issues_synced_at" timestamp with time zone,
	"last_polled_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"event" text NOT NULL,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "merge_method" text DEFAULT 'merge' NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "delete_merged_branch" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "closed_pull_request" text DEFAULT 'rework' NOT NULL;--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "anchor" jsonb;--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "review_round" integer;--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "review_id" uuid;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "remote" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "head_sha" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "checks" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "check_details" jsonb;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "review" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "mergeable" boolean;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "merged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "review_round" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "review_state" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "merge_error" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "commits" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "merge" jsonb;--> statement-breakpoint
ALTER TABLE "ticket_reviews" ADD CONSTRAINT "ticket_reviews_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "external_issues" ADD CONSTRAINT "external_issues_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "external_issues" ADD CONSTRAINT "external_issues_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_links" ADD CONSTRAINT "github_links_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ticket_reviews_ticket" ON "ticket_reviews" USING btree ("ticket_id","round");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_reviews_external" ON "ticket_reviews" USING btree ("ticket_id","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "external_issues_repo_number" ON "external_issues" USING btree ("project_id","repo","number");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_project" ON "webhook_deliveries" USING btree ("project_id","received_at");--> statement-breakpoint
CREATE INDEX "pull_requests_remote_number" ON "pull_requests" USING btree ("remote","number");