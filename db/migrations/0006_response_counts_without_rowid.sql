-- docs/anonymity.md, promise 1: a rowid would record the order in which (attribute value, day, score) combinations
-- first arrived. drizzle cannot declare WITHOUT ROWID, so the table is rebuilt here, as 0001 did
-- for responses; its rows are then kept in key order only.
CREATE TABLE `response_counts_new` (
	`survey_id` text NOT NULL,
	`attribute` text NOT NULL,
	`value` text NOT NULL,
	`day` text NOT NULL,
	`score` integer NOT NULL,
	`n` integer NOT NULL,
	`invited` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `attribute`, `value`, `day`, `score`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `response_counts_new` SELECT `survey_id`, `attribute`, `value`, `day`, `score`, `n`, `invited` FROM `response_counts`;
--> statement-breakpoint
DROP TABLE `response_counts`;
--> statement-breakpoint
ALTER TABLE `response_counts_new` RENAME TO `response_counts`;
