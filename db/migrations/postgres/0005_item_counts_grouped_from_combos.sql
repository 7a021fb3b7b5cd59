-- A yes_no or choice item no longer stores its value rows: its combinations (`item.<key>`) count
-- them already, and the results read them from there (src/results/engine/item-values.ts).
DELETE FROM "response_item_counts" c
WHERE EXISTS (
    SELECT 1 FROM "surveys" s, jsonb_array_elements(s."items") i
    WHERE s."id" = c."survey_id"
      AND i->>'key' = c."item"
      AND i->>'type' IN ('yes_no', 'choice')
  );
