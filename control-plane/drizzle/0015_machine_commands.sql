CREATE TABLE "machine_commands" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"machine_id" uuid NOT NULL,
	"frame" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "machine_commands" ADD CONSTRAINT "machine_commands_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "machine_commands_created" ON "machine_commands" USING btree ("created_at");