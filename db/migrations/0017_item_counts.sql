-- Item results (docs/results.md, "Items"): item answers counted per month, combination, item and value.
-- WITHOUT ROWID, written by hand (drizzle cannot declare it): a rowid would record the order in which
-- combinations first arrived (docs/anonymity.md, promise 1).
CREATE TABLE `response_item_counts` (
	`survey_id` text NOT NULL,
	`month` text NOT NULL,
	`combo` text NOT NULL,
	`item` text NOT NULL,
	`value` text NOT NULL,
	`n` integer NOT NULL,
	`invited` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `month`, `combo`, `item`, `value`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
