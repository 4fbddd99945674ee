CREATE TABLE "blocked_users" (
	"account_id" text NOT NULL,
	"platform_user_id" text NOT NULL,
	"blocked_at" bigint NOT NULL,
	"blocked_by" text,
	"blocked_seq" bigint NOT NULL,
	CONSTRAINT "blocked_users_account_id_platform_user_id_pk" PRIMARY KEY("account_id","platform_user_id")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "is_pinned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "pinned_at" bigint;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "is_archived" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "mute_until" bigint;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;