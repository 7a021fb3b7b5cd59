-- Items (src/surveys/items.ts): a survey's item definitions, and an answer's item answers. Adding a column
-- keeps responses WITHOUT ROWID (no rebuild). Existing surveys get no items: they keep asking the score and
-- the comment, and their answers mean what they meant.
ALTER TABLE `responses` ADD `items` text;--> statement-breakpoint
ALTER TABLE `surveys` ADD `items` text DEFAULT '[]' NOT NULL;