CREATE TABLE `run_jobs` (
	`job_id` integer PRIMARY KEY NOT NULL,
	`execution_id` text NOT NULL,
	`run_id` integer NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`conclusion` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `run_jobs_execution` ON `run_jobs` (`execution_id`);--> statement-breakpoint
ALTER TABLE `executions` ADD `awaiting_since` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `approval_escalated_at` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `cancel_requested_at` integer;