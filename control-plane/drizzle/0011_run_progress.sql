ALTER TABLE "runs" ADD COLUMN "idle_turns" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "agent_actions" integer DEFAULT 0 NOT NULL;