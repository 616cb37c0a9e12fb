ALTER TABLE `payments` ADD `delivered_at` integer;--> statement-breakpoint
UPDATE `payments` SET `delivered_at` = `settled_at` WHERE `state` = 'settled';
