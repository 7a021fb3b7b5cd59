-- A survey mail is queued as its link's token and rendered when sent (docs/mail.md); the token is
-- erased with the address once the mail is sent, failed or cancelled (docs/anonymity.md).
ALTER TABLE `outbox` ADD `token` text;
