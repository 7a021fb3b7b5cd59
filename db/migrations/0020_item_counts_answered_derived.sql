-- A single-valued item (yes_no, rating, choice) no longer stores its '' (answered) rows: the
-- results add them back as the sum of its value rows (src/results/engine/item-values.ts).
DELETE FROM response_item_counts
WHERE value = ''
  AND EXISTS (
    SELECT 1 FROM surveys s, json_each(s.items) i
    WHERE s.id = response_item_counts.survey_id
      AND json_extract(i.value, '$.key') = response_item_counts.item
      AND json_extract(i.value, '$.type') IN ('yes_no', 'rating', 'choice')
  );
