-- docs/anonymity.md, promise 1: a rowid would record the order in which (day, attributes) and (month, attributes,
-- score) combinations first arrived. drizzle cannot declare WITHOUT ROWID, so the two tables 0008
-- made are rebuilt here, as 0001 and 0006 did; their rows are then kept in key order only.
CREATE TABLE `response_combos_new` (
	`survey_id` text NOT NULL,
	`day` text NOT NULL,
	`combo` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `day`, `combo`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
DROP TABLE `response_combos`;
--> statement-breakpoint
ALTER TABLE `response_combos_new` RENAME TO `response_combos`;
--> statement-breakpoint
CREATE TABLE `response_combo_scores_new` (
	`survey_id` text NOT NULL,
	`month` text NOT NULL,
	`combo` text NOT NULL,
	`score` integer NOT NULL,
	`n` integer NOT NULL,
	`invited` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `month`, `combo`, `score`),
	FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
DROP TABLE `response_combo_scores`;
--> statement-breakpoint
ALTER TABLE `response_combo_scores_new` RENAME TO `response_combo_scores`;
--> statement-breakpoint
-- Backfill both from the answers already stored. `combo` is meant to be the attributes as JSON
-- with sorted keys (src/results/rollup.ts); json_group_object over an ordered json_each gives that
-- in practice, but SQLite does not promise the order. That is harmless: readers parse `combo` and
-- add rows up by the parsed values, so two spellings of the same attributes count as one.
INSERT INTO `response_combos` (`survey_id`, `day`, `combo`, `n`)
SELECT `survey_id`, `day`, `combo`, count(*)
FROM (
	SELECT r.`survey_id`, r.`day`,
		(SELECT json_group_object(`key`, `value`) FROM (SELECT `key`, `value` FROM json_each(r.`attributes`) ORDER BY `key`)) AS `combo`
	FROM `responses` r
)
GROUP BY `survey_id`, `day`, `combo`;
--> statement-breakpoint
INSERT INTO `response_combo_scores` (`survey_id`, `month`, `combo`, `score`, `n`, `invited`)
SELECT `survey_id`, substr(`day`, 1, 7), `combo`, `score`, count(*), sum(`channel` <> 'collector')
FROM (
	SELECT r.`survey_id`, r.`day`, r.`score`, r.`channel`,
		(SELECT json_group_object(`key`, `value`) FROM (SELECT `key`, `value` FROM json_each(r.`attributes`) ORDER BY `key`)) AS `combo`
	FROM `responses` r
)
GROUP BY `survey_id`, substr(`day`, 1, 7), `combo`, `score`;
--> statement-breakpoint
-- Questions about attributes read these two tables now; the per-attribute rows of
-- `response_counts` are no longer written or read. The all-answers rows ('' / '') stay.
DELETE FROM `response_counts` WHERE `attribute` <> '';
