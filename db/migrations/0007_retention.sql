CREATE TABLE `delivered_counts` (
	`survey_id` text NOT NULL,
	`day` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `day`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `surveys` ADD `retain_days` integer;--> statement-breakpoint
ALTER TABLE `surveys` ADD `comment_retain_days` integer;