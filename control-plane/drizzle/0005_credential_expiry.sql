ALTER TABLE "join_tokens" ADD COLUMN "credential_ttl_seconds" integer;--> statement-breakpoint
ALTER TABLE "machine_credentials" ADD COLUMN "expires_at" timestamp with time zone;