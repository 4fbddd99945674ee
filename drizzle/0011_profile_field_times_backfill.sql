-- Rows projected before each field kept its own time: a known field is dated with the newest
-- observation of the profile, the closest the earlier model recorded.
UPDATE "users" SET
  "name_captured_at" = CASE WHEN "name" IS NOT NULL THEN "profile_captured_at" END,
  "avatar_captured_at" = CASE WHEN "avatar" IS NOT NULL THEN "profile_captured_at" END,
  "signature_captured_at" = CASE WHEN "signature" IS NOT NULL THEN "profile_captured_at" END,
  "follower_count_captured_at" = CASE WHEN "follower_count" IS NOT NULL THEN "profile_captured_at" END,
  "following_count_captured_at" = CASE WHEN "following_count" IS NOT NULL THEN "profile_captured_at" END,
  "video_count_captured_at" = CASE WHEN "video_count" IS NOT NULL THEN "profile_captured_at" END,
  "is_verified_captured_at" = CASE WHEN "is_verified" IS NOT NULL THEN "profile_captured_at" END;
