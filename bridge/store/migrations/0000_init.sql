CREATE TABLE `alerts` (
	`fingerprint` text NOT NULL,
	`starts_at` text NOT NULL,
	`alertname` text NOT NULL,
	`status` text NOT NULL,
	`labels` text NOT NULL,
	`annotations` text NOT NULL,
	`ends_at` text,
	`first_received_at` integer NOT NULL,
	`last_received_at` integer NOT NULL,
	`deliveries` integer DEFAULT 1 NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_occurrence` ON `alerts` (`fingerprint`,`starts_at`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`execution_id` text,
	`alertname` text,
	`runbook` text,
	`target` text,
	`message` text NOT NULL,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `audit_kind_at` ON `audit_events` (`kind`,`at`);--> statement-breakpoint
CREATE INDEX `audit_execution` ON `audit_events` (`execution_id`);--> statement-breakpoint
CREATE TABLE `breaker_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`execution_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `breaker_failures_once` ON `breaker_failures` (`key`,`execution_id`);--> statement-breakpoint
CREATE INDEX `breaker_failures_key_at` ON `breaker_failures` (`key`,`at`);--> statement-breakpoint
CREATE TABLE `breakers` (
	`key` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`runbook` text,
	`target` text,
	`state` text NOT NULL,
	`opened_at` integer,
	`half_open_at` integer,
	`count_failures_from` integer DEFAULT 0 NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`closes_automatically` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`occurrence_key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`starts_at` text NOT NULL,
	`group_key` text DEFAULT '' NOT NULL,
	`alertname` text NOT NULL,
	`severity` text NOT NULL,
	`runbook` text,
	`runbook_hash` text,
	`runbook_sha` text,
	`target` text,
	`mode` text,
	`state` text NOT NULL,
	`guard` text,
	`reason` text NOT NULL,
	`alert` text NOT NULL,
	`run_id` integer,
	`run_url` text,
	`dispatch_attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`committed_at` integer,
	`dispatched_at` integer,
	`finished_at` integer,
	`alert_resolved_at` integer,
	`awaiting_since` integer,
	`approval_escalated_at` integer,
	`cancel_requested_at` integer,
	`gate_pending_environment` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `executions_occurrence` ON `executions` (`occurrence_key`);--> statement-breakpoint
CREATE INDEX `executions_runbook_target` ON `executions` (`runbook`,`target`,`committed_at`) WHERE committed_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `executions_runbook_committed` ON `executions` (`runbook`,`committed_at`) WHERE committed_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `executions_committed` ON `executions` (`committed_at`) WHERE committed_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `executions_state` ON `executions` (`state`);--> statement-breakpoint
CREATE INDEX `executions_fingerprint` ON `executions` (`fingerprint`,`starts_at`);--> statement-breakpoint
CREATE INDEX `executions_run` ON `executions` (`run_id`) WHERE run_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `executions_group` ON `executions` (`group_key`,`runbook`) WHERE group_key <> '';--> statement-breakpoint
CREATE TABLE `outbox` (
	`execution_id` text PRIMARY KEY NOT NULL,
	`priority` integer NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`uncertain_since` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_ready` ON `outbox` (`state`,`priority`,`next_attempt_at`);--> statement-breakpoint
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
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
