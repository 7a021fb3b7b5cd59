-- API keys get a role (keys made before are admin keys) and, for readers, the teams they may read.
ALTER TABLE `api_keys` ADD `role` text DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `teams` text;--> statement-breakpoint
-- The audit trail (docs/access.md). WITHOUT ROWID (edited in by hand: drizzle cannot declare it),
-- so no rowid records the order of events within the hour each keeps; append-only by trigger.
CREATE TABLE `audit_events` (
	`hour` text NOT NULL,
	`id` text NOT NULL,
	`actor` text NOT NULL,
	`actor_kind` text NOT NULL,
	`action` text NOT NULL,
	`survey_id` text,
	`team` text,
	`target` text,
	PRIMARY KEY(`hour`, `id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `audit_events_survey_idx` ON `audit_events` (`survey_id`,`hour`);
--> statement-breakpoint
CREATE TRIGGER `audit_events_append_only` BEFORE UPDATE ON `audit_events`
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;
