ALTER TABLE "messages" ADD COLUMN "search" "tsvector";--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search");