CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`invitation_id` text,
	`purpose` text NOT NULL,
	`state` text NOT NULL,
	`recipient` text,
	`subject` text,
	`text` text,
	`html` text,
	`headers` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`lease_id` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`invitation_id`) REFERENCES `invitations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_invitation_idx` ON `outbox` (`invitation_id`);--> statement-breakpoint
ALTER TABLE `invitations` ADD `reminder_token_hash` text;--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_reminder_token_hash_unique` ON `invitations` (`reminder_token_hash`);