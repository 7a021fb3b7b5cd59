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
--> statement-breakpoint
-- Answers stored before this migration are counted as the answer path counts them
-- (src/results/engine/item-values.ts): every answered item under '' and its value or options, and the
-- combinations of attributes of surveys with item answers written again with their yes/no and choice values.
WITH answered AS (
  SELECT r.survey_id, substr(r.day, 1, 7) AS month, (SELECT json_group_object(key, value) FROM (
    SELECT key, value FROM json_each(r.attributes)
    UNION ALL
    SELECT 'item.' || g.key AS key, g.value AS value FROM json_each(coalesce(r.items, '{}')) g
    WHERE g.type = 'text' AND EXISTS (SELECT 1 FROM json_each(s.items) gd
      WHERE json_extract(gd.value, '$.key') = g.key AND json_extract(gd.value, '$.type') IN ('yes_no', 'choice'))
    ORDER BY key)) AS combo,
    a.key AS item, a.value AS value, json_extract(d.value, '$.type') AS item_type, r.channel <> 'collector' AS invited
  FROM responses r JOIN surveys s ON s.id = r.survey_id
  JOIN json_each(r.items) a
  JOIN json_each(s.items) d ON json_extract(d.value, '$.key') = a.key
  WHERE r.items IS NOT NULL AND a.type <> 'null'
)
INSERT INTO `response_item_counts` (survey_id, month, combo, item, value, n, invited)
SELECT survey_id, month, combo, item, value, count(*), sum(invited) FROM (
  SELECT survey_id, month, combo, item, '' AS value, invited FROM answered
  UNION ALL
  SELECT survey_id, month, combo, item, CAST(value AS TEXT), invited FROM answered
  WHERE item_type IN ('yes_no', 'rating', 'choice')
  UNION ALL
  SELECT survey_id, month, combo, item, m.value, invited FROM answered JOIN json_each(answered.value) m
  WHERE item_type = 'multi_choice'
)
GROUP BY survey_id, month, combo, item, value;
--> statement-breakpoint
DELETE FROM `response_combos` WHERE survey_id IN (SELECT survey_id FROM responses WHERE items IS NOT NULL);
--> statement-breakpoint
INSERT INTO `response_combos` (survey_id, day, combo, n, invited)
SELECT r.survey_id, r.day, (SELECT json_group_object(key, value) FROM (
    SELECT key, value FROM json_each(r.attributes)
    UNION ALL
    SELECT 'item.' || g.key AS key, g.value AS value FROM json_each(coalesce(r.items, '{}')) g
    WHERE g.type = 'text' AND EXISTS (SELECT 1 FROM json_each(s.items) gd
      WHERE json_extract(gd.value, '$.key') = g.key AND json_extract(gd.value, '$.type') IN ('yes_no', 'choice'))
    ORDER BY key)), count(*), sum(r.channel <> 'collector')
FROM responses r JOIN surveys s ON s.id = r.survey_id
WHERE r.survey_id IN (SELECT survey_id FROM responses WHERE items IS NOT NULL)
GROUP BY 1, 2, 3;
--> statement-breakpoint
DELETE FROM `response_combo_scores` WHERE survey_id IN (SELECT survey_id FROM responses WHERE items IS NOT NULL);
--> statement-breakpoint
INSERT INTO `response_combo_scores` (survey_id, month, combo, score, n, invited)
SELECT r.survey_id, substr(r.day, 1, 7), (SELECT json_group_object(key, value) FROM (
    SELECT key, value FROM json_each(r.attributes)
    UNION ALL
    SELECT 'item.' || g.key AS key, g.value AS value FROM json_each(coalesce(r.items, '{}')) g
    WHERE g.type = 'text' AND EXISTS (SELECT 1 FROM json_each(s.items) gd
      WHERE json_extract(gd.value, '$.key') = g.key AND json_extract(gd.value, '$.type') IN ('yes_no', 'choice'))
    ORDER BY key)), r.score, count(*), sum(r.channel <> 'collector')
FROM responses r JOIN surveys s ON s.id = r.survey_id
WHERE r.survey_id IN (SELECT survey_id FROM responses WHERE items IS NOT NULL)
GROUP BY 1, 2, 3, 4;
