ALTER TABLE `payments` ADD `tx_call_index` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `settle_mode` text DEFAULT 'before-response' NOT NULL;