CREATE TABLE "replies" (
	"reply_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"channel" text NOT NULL,
	"platform_conversation_id" text NOT NULL,
	"reply_to" text,
	"content" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"requested_by" text,
	"requested_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"request_seq" bigint NOT NULL,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"platform_message_id" text,
	"failure_reason" text,
	"sent_at" bigint,
	"failed_at" bigint,
	"expired_at" bigint,
	"version" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "last_message_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "display_name" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "platform" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "status" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "notes" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "registered_at" bigint;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "registered_by" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "registered_seq" bigint;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "updated_at" bigint;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "removed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "removed_at" bigint;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "removed_by" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "removed_seq" bigint;--> statement-breakpoint
CREATE INDEX "replies_seq_idx" ON "replies" USING btree ("request_seq");--> statement-breakpoint
CREATE INDEX "replies_account_seq_idx" ON "replies" USING btree ("account_id","request_seq");--> statement-breakpoint
CREATE INDEX "replies_account_status_seq_idx" ON "replies" USING btree ("account_id","status","request_seq");--> statement-breakpoint
CREATE INDEX "replies_status_seq_idx" ON "replies" USING btree ("status","request_seq");--> statement-breakpoint
CREATE INDEX "replies_pending_expiry_idx" ON "replies" USING btree ("expires_at") WHERE "replies"."status" = 'pending';