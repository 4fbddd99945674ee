-- The time each account's newest message was captured: what the projection computes, filled in
-- for accounts projected before the column existed (`messages.captured_at` is the first capture's).
UPDATE "accounts" a SET "last_message_captured_at" = m."last_message_captured_at"
FROM (
  SELECT "account_id", max("captured_at") AS "last_message_captured_at"
  FROM "messages"
  WHERE "capture_seq" IS NOT NULL
  GROUP BY "account_id"
) m
WHERE m."account_id" = a."account_id";
