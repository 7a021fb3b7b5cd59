CREATE TABLE `response_combo_scores` (
	`survey_id` text NOT NULL,
	`month` text NOT NULL,
	`combo` text NOT NULL,
	`score` integer NOT NULL,
	`n` integer NOT NULL,
	`invited` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `month`, `combo`, `score`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `response_combos` (
	`survey_id` text NOT NULL,
	`day` text NOT NULL,
	`combo` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `day`, `combo`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
);
