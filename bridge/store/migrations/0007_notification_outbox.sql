CREATE TABLE `notification_threads` (
	`thread` text PRIMARY KEY NOT NULL,
	`issue_number` integer NOT NULL,
	`issue_url` text NOT NULL,
	`open` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedup_key` text NOT NULL,
	`channel` text NOT NULL,
	`topic` text NOT NULL,
	`execution_id` text,
	`breaker_key` text,
	`runbook` text,
	`thread` text,
	`request` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`result` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_dedup` ON `notifications` (`dedup_key`);--> statement-breakpoint
CREATE INDEX `notifications_ready` ON `notifications` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `notifications_thread` ON `notifications` (`thread`,`id`) WHERE thread IS NOT NULL;--> statement-breakpoint
CREATE INDEX `notifications_execution` ON `notifications` (`execution_id`) WHERE execution_id IS NOT NULL;