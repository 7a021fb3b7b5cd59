-- Targets on an item's key (src/targets/tables.ts): a new table; existing targets and answers are untouched.
CREATE TABLE `item_targets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`item` text NOT NULL,
	`measure` text NOT NULL,
	`value` real NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `item_targets_scope_item_idx` ON `item_targets` (`scope`,`item`);