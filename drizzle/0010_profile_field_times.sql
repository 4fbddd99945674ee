ALTER TABLE "users" ADD COLUMN "name_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "avatar_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "signature_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "follower_count_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "following_count_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "video_count_captured_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_verified_captured_at" bigint;