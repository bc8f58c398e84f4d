ALTER TABLE "tickets" ADD COLUMN "question" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "question_asked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "answer" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "answered_by" text;