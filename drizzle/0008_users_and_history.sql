ALTER TABLE "messages" ADD COLUMN "original_content" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "accounts" text[] DEFAULT '{}'::text[] NOT NULL;