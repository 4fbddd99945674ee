CREATE TABLE "accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_captured_at" bigint NOT NULL,
	"message_count" integer NOT NULL,
	"conversation_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"platform_conversation_id" text NOT NULL,
	"channel" text NOT NULL,
	"friend_id" text,
	"last_message_id" text,
	"last_message" text,
	"last_message_time" bigint,
	"last_message_seq" bigint,
	"message_count" integer NOT NULL,
	"unread_count" integer NOT NULL,
	"created_at" bigint NOT NULL,
	"created_seq" bigint NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_edits" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"content" text NOT NULL,
	"edited_at" bigint NOT NULL,
	"edited_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"platform_message_id" text NOT NULL,
	"conversation_id" text,
	"platform_conversation_id" text NOT NULL,
	"channel" text,
	"direction" text,
	"sender_id" text,
	"content" text,
	"message_type" text,
	"reply_to" text,
	"created_at" bigint,
	"captured_at" bigint,
	"capture_seq" bigint,
	"edited" boolean DEFAULT false NOT NULL,
	"edited_at" bigint,
	"edit_seq" bigint,
	"recalled" boolean DEFAULT false NOT NULL,
	"recalled_at" bigint,
	"recalled_by" text,
	"recall_seq" bigint,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projector_checkpoints" (
	"projector" text PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rejected_events" (
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	"subject" text NOT NULL,
	"reason" text NOT NULL,
	"raw" text NOT NULL,
	"stored_at" bigint NOT NULL,
	CONSTRAINT "rejected_events_stream_seq_pk" PRIMARY KEY("stream","seq")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"platform_user_id" text PRIMARY KEY NOT NULL,
	"name" text,
	"avatar" text,
	"signature" text,
	"follower_count" bigint,
	"following_count" bigint,
	"video_count" bigint,
	"is_verified" boolean,
	"profile_captured_at" bigint NOT NULL,
	"profile_seq" bigint NOT NULL,
	"first_seen_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"message_count" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "conversations_account_last_idx" ON "conversations" USING btree ("account_id","last_message_time" DESC NULLS LAST,"last_message_seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "conversations_account_created_idx" ON "conversations" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "message_edits_message_idx" ON "message_edits" USING btree ("message_id","edited_at","seq");--> statement-breakpoint
CREATE INDEX "messages_conversation_created_idx" ON "messages" USING btree ("conversation_id","created_at" DESC NULLS LAST,"capture_seq" DESC NULLS LAST) WHERE "messages"."capture_seq" is not null;--> statement-breakpoint
CREATE INDEX "messages_account_created_idx" ON "messages" USING btree ("account_id","created_at" DESC NULLS LAST,"capture_seq" DESC NULLS LAST) WHERE "messages"."capture_seq" is not null;--> statement-breakpoint
CREATE INDEX "messages_sender_idx" ON "messages" USING btree ("sender_id");--> statement-breakpoint
CREATE INDEX "messages_account_version_idx" ON "messages" USING btree ("account_id","version");