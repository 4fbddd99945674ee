CREATE TABLE "action_outcomes" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"updated" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "read_through" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "read_at" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "read_seq" bigint;