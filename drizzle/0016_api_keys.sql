CREATE TABLE "api_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"accounts" text[],
	"secret_sha256" text NOT NULL,
	"created_at" bigint NOT NULL,
	"created_by" text,
	"created_seq" bigint NOT NULL,
	"revoked_at" bigint,
	"revoked_by" text,
	"revoked_seq" bigint
);
