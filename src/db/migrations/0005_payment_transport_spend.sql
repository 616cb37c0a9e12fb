ALTER TABLE `idempotency_records` ADD `payment_id` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `transport` text DEFAULT 'http' NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `spend_at` integer;--> statement-breakpoint
UPDATE `payments` SET `spend_at` = `created_at` / 1000 WHERE `state` IN ('verified', 'settling', 'pending', 'settled');
