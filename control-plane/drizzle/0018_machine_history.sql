CREATE TABLE "machine_history" (
	"machine_id" uuid NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"slots_used" integer NOT NULL,
	"load" real,
	CONSTRAINT "machine_history_machine_id_minute_pk" PRIMARY KEY("machine_id","minute")
);
--> statement-breakpoint
ALTER TABLE "machine_history" ADD CONSTRAINT "machine_history_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "machine_history_minute" ON "machine_history" USING btree ("minute");