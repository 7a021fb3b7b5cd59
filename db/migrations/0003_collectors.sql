CREATE TABLE `collector_hour_counts` (
	`collector_id` text NOT NULL,
	`hour` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`collector_id`, `hour`),
	FOREIGN KEY (`collector_id`) REFERENCES `collectors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `collector_hour_counts_hour_idx` ON `collector_hour_counts` (`hour`);--> statement-breakpoint
CREATE TABLE `collectors` (
	`id` text PRIMARY KEY NOT NULL,
	`survey_id` text NOT NULL,
	`token` text NOT NULL,
	`token_hash` text NOT NULL,
	`label` text NOT NULL,
	`locale` text NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`max_answers_per_hour` integer NOT NULL,
	`cooldown_seconds` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `collectors_token_hash_unique` ON `collectors` (`token_hash`);--> statement-breakpoint
CREATE INDEX `collectors_survey_idx` ON `collectors` (`survey_id`,`created_at`,`id`);