ALTER TABLE `executions` ADD `verify_by` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `cleared_at` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `relapse_of` text;--> statement-breakpoint
CREATE INDEX `executions_verify_by` ON `executions` (`verify_by`) WHERE verify_by IS NOT NULL;--> statement-breakpoint
-- Runs that succeeded before outcomes were watched: due for their outcome check now, so the
-- watcher judges each (verified when its alert resolved, else asked of Alertmanager) with an audit event.
UPDATE `executions` SET `verify_by` = coalesce(`finished_at`, `updated_at`) WHERE `state` = 'succeeded' AND `verify_by` IS NULL;
