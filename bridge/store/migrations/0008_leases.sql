CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `notifications` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_until` integer;