-- docs/anonymity.md, promise 1: no identifier may order a response against invitations. drizzle cannot declare
-- WITHOUT ROWID, so the table is rebuilt here; its rows are then kept in random-id order only.
CREATE TABLE `responses_new` (
	`id` text PRIMARY KEY NOT NULL,
	`survey_id` text NOT NULL,
	`score` integer NOT NULL,
	`comment` text,
	`day` text NOT NULL,
	`locale` text NOT NULL,
	`channel` text NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `responses_new` SELECT `id`, `survey_id`, `score`, `comment`, `day`, `locale`, `channel`, `attributes` FROM `responses`;
--> statement-breakpoint
DROP TABLE `responses`;
--> statement-breakpoint
ALTER TABLE `responses_new` RENAME TO `responses`;
--> statement-breakpoint
CREATE INDEX `responses_survey_day_idx` ON `responses` (`survey_id`,`day`);
