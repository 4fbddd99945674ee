-- Message search moves from a GIN index over the vector to a GIN index over a text array of
-- keys (src/search/tokenizer.ts, searchKeys): containment of keys is exact, so a one-key query
-- is answered by the index alone. The vector stays, to check phrases and to rank.
DROP INDEX "messages_search_idx";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "search_keys" text[];--> statement-breakpoint
-- Keys of the rows already there, from their vectors: the lexemes, the prefixes of each (for
-- words), and the lexemes that occur twice marked as such. Two words sharing a prefix are not
-- marked here (the projection marks them): `im-hub rebuild` gives every row its exact keys.
UPDATE "messages" SET "search_keys" = array(
  select distinct k from (
    select lexeme as k from unnest("search")
    union all select lexeme || chr(31) || '2' from unnest("search") where cardinality(positions) >= 2
    union all select left(u.lexeme, n) from unnest("search") u, generate_series(1, least(char_length(u.lexeme) - 1, 16)) n
  ) x
) WHERE "search" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_search_keys_idx" ON "messages" USING gin ("search_keys");--> statement-breakpoint
CREATE INDEX "messages_created_idx" ON "messages" USING btree ("created_at" DESC NULLS LAST,"capture_seq" DESC NULLS LAST) WHERE "messages"."capture_seq" is not null;
--> statement-breakpoint
-- Enough element statistics to know which keys are common: the planner walks back along
-- created_at for those and reads the index's matches for the others.
ALTER TABLE "messages" ALTER COLUMN "search_keys" SET STATISTICS 1000;
