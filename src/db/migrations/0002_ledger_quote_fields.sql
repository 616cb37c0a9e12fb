ALTER TABLE `payments` ADD `usd_value` text DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `discount` text DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `rate_usd` text;