-- The accounts each user sent messages to, in the order of their first message to each: what
-- the projection computes, filled in for users projected before the column existed.
UPDATE "users" u SET "accounts" = a."accounts"
FROM (
  SELECT "sender_id", array_agg("account_id" ORDER BY "first_seq") AS "accounts"
  FROM (
    SELECT "sender_id", "account_id", min("capture_seq") AS "first_seq"
    FROM "messages"
    WHERE "capture_seq" IS NOT NULL AND "sender_id" IS NOT NULL
    GROUP BY "sender_id", "account_id"
  ) s
  GROUP BY "sender_id"
) a
WHERE a."sender_id" = u."platform_user_id";
