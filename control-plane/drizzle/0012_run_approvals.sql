CREATE TABLE "run_approvals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"project_id" uuid,
	"ticket_id" uuid,
	"run_id" uuid NOT NULL,
	"request_id" text NOT NULL,
	"tool" text NOT NULL,
	"detail" text NOT NULL,
	"rule" text NOT NULL,
	"state" text NOT NULL,
	"decided_by" text,
	"reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "run_approvals" ADD CONSTRAINT "run_approvals_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_approvals" ADD CONSTRAINT "run_approvals_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_approvals" ADD CONSTRAINT "run_approvals_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_approvals" ADD CONSTRAINT "run_approvals_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "run_approvals_request" ON "run_approvals" USING btree ("run_id","request_id");--> statement-breakpoint
CREATE INDEX "run_approvals_waiting" ON "run_approvals" USING btree ("state","expires_at");--> statement-breakpoint
CREATE INDEX "run_approvals_ticket" ON "run_approvals" USING btree ("ticket_id");