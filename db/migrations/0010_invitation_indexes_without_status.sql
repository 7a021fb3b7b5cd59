DROP INDEX `invitations_survey_status_idx`;--> statement-breakpoint
DROP INDEX `invitations_expiry_idx`;--> statement-breakpoint
CREATE INDEX `invitations_open_expiry_idx` ON `invitations` (`expires_at`) WHERE "invitations"."status" in ('queued', 'sent', 'failed');--> statement-breakpoint
CREATE INDEX `invitations_survey_expiry_idx` ON `invitations` (`survey_id`,`expires_at`);