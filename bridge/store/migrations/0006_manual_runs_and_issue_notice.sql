ALTER TABLE `executions` ADD `approval_issue_notice_at` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `source` text DEFAULT 'alert' NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `actor` text;