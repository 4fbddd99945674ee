-- A stream sequence is unique only within its stream, and with PARTITIONS > 1 the read models
-- hold sequences of several streams: an edit is keyed by its message and sequence, an action's
-- outcome by its account and sequence.
ALTER TABLE "message_edits" DROP CONSTRAINT "message_edits_pkey";--> statement-breakpoint
ALTER TABLE "message_edits" ADD CONSTRAINT "message_edits_message_id_seq_pk" PRIMARY KEY("message_id","seq");--> statement-breakpoint
ALTER TABLE "action_outcomes" ADD COLUMN "account_id" text;--> statement-breakpoint
-- An outcome is a mark-read's: its account is the one of the messages it read, or (when it read
-- none) of the account whose last event it was; any other keeps '' until a rebuild fills it.
UPDATE "action_outcomes" o SET "account_id" = m."account_id"
FROM (SELECT DISTINCT "read_seq", "account_id" FROM "messages" WHERE "read_seq" IS NOT NULL) m
WHERE m."read_seq" = o."seq";--> statement-breakpoint
UPDATE "action_outcomes" o SET "account_id" = a."account_id"
FROM "accounts" a
WHERE o."account_id" IS NULL AND a."last_seq" = o."seq";--> statement-breakpoint
UPDATE "action_outcomes" SET "account_id" = '' WHERE "account_id" IS NULL;--> statement-breakpoint
ALTER TABLE "action_outcomes" ALTER COLUMN "account_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "action_outcomes" DROP CONSTRAINT "action_outcomes_pkey";--> statement-breakpoint
ALTER TABLE "action_outcomes" ADD CONSTRAINT "action_outcomes_account_id_seq_pk" PRIMARY KEY("account_id","seq");
