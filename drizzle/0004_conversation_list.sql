ALTER TABLE "conversations" ADD COLUMN "friend_name" text;--> statement-breakpoint
CREATE INDEX "conversations_account_unread_idx" ON "conversations" USING btree ("account_id","unread_count" DESC NULLS LAST,"last_message_time" DESC NULLS LAST,"last_message_seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "conversations_account_name_idx" ON "conversations" USING btree ("account_id","friend_name" collate "zh-x-icu","id");--> statement-breakpoint
CREATE INDEX "conversations_friend_idx" ON "conversations" USING btree ("friend_id");--> statement-breakpoint
CREATE INDEX "conversations_account_unread_total_idx" ON "conversations" USING btree ("account_id","unread_count","mute_until","is_archived","friend_id") WHERE "conversations"."unread_count" > 0;