CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "lease_until" bigint;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "lease_until" bigint;