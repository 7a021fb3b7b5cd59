-- A yes_no or choice item no longer stores its value rows: its combinations (`item.<key>`) count
-- them already, and the results read them from there (src/results/engine/item-values.ts).
DELETE FROM response_item_counts
WHERE EXISTS (
    SELECT 1 FROM surveys s, json_each(s.items) i
    WHERE s.id = response_item_counts.survey_id
      AND json_extract(i.value, '$.key') = response_item_counts.item
      AND json_extract(i.value, '$.type') IN ('yes_no', 'choice')
  );
