-- A single-valued item (yes_no, rating, choice) no longer stores its '' (answered) rows: the
-- results add them back as the sum of its value rows (src/results/engine/item-values.ts).
DELETE FROM "response_item_counts" c
WHERE c."value" = ''
  AND EXISTS (
    SELECT 1 FROM "surveys" s, jsonb_array_elements(s."items") i
    WHERE s."id" = c."survey_id"
      AND i->>'key' = c."item"
      AND i->>'type' IN ('yes_no', 'rating', 'choice')
  );
