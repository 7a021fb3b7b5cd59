CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`survey_id` text NOT NULL,
	`channel` text NOT NULL,
	`token_hash` text,
	`status` text NOT NULL,
	`locale` text,
	`case_ref` text,
	`email` text,
	`recipient_hash` text,
	`attributes` text DEFAULT '{}',
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`delivered_on` text,
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_unique` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_case_ref_idx` ON `invitations` (`survey_id`,`case_ref`);--> statement-breakpoint
CREATE INDEX `invitations_survey_status_idx` ON `invitations` (`survey_id`,`status`);--> statement-breakpoint
CREATE INDEX `invitations_recipient_idx` ON `invitations` (`recipient_hash`,`survey_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `invitations_expiry_idx` ON `invitations` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `invitations_delivered_idx` ON `invitations` (`survey_id`,`delivered_on`);--> statement-breakpoint
CREATE TABLE `responses` (
	`id` text PRIMARY KEY NOT NULL,
	`survey_id` text NOT NULL,
	`score` integer NOT NULL,
	`comment` text,
	`day` text NOT NULL,
	`locale` text NOT NULL,
	`channel` text NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `responses_survey_day_idx` ON `responses` (`survey_id`,`day`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `surveys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`metric` text NOT NULL,
	`team` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`question` text DEFAULT '{}' NOT NULL,
	`comment_prompt` text DEFAULT '{}' NOT NULL,
	`default_locale` text NOT NULL,
	`link_ttl_days` integer NOT NULL,
	`throttle_days` integer NOT NULL,
	`reminder_after_days` integer,
	`min_group_size` integer NOT NULL,
	`min_comment_group_size` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer
);
--> statement-breakpoint
CREATE INDEX `surveys_list_idx` ON `surveys` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `surveys_team_idx` ON `surveys` (`team`,`kind`,`status`);