-- run_events loses its foreign key to runs (its check was most of the cost of storing an event, docs/performance.md);
-- a statement trigger keeps the cascade: the events of deleted runs go with them, also when tickets or projects are
-- deleted (their cascade deletes the runs).
ALTER TABLE "run_events" DROP CONSTRAINT "run_events_run_id_runs_id_fk";--> statement-breakpoint
CREATE FUNCTION "openase_delete_run_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "run_events" WHERE "run_id" IN (SELECT "id" FROM "gone");
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "runs_delete_events" AFTER DELETE ON "runs" REFERENCING OLD TABLE AS "gone" FOR EACH STATEMENT EXECUTE FUNCTION "openase_delete_run_events"();
