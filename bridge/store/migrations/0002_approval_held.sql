ALTER TABLE `executions` ADD `approval_held_at` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `approval_issue` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `approved_by` text;