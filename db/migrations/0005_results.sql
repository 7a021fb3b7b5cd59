CREATE TABLE `response_counts` (
	`survey_id` text NOT NULL,
	`attribute` text NOT NULL,
	`value` text NOT NULL,
	`day` text NOT NULL,
	`score` integer NOT NULL,
	`n` integer NOT NULL,
	`invited` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `attribute`, `value`, `day`, `score`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `share_links` (
	`id` text PRIMARY KEY NOT NULL,
	`survey_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`options` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `share_links_token_hash_unique` ON `share_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `share_links_survey_idx` ON `share_links` (`survey_id`,`created_at`);