CREATE TABLE `idempotency_records` (
	`key` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`state` text NOT NULL,
	`status` integer,
	`headers` text,
	`body` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_expires_idx` ON `idempotency_records` (`expires_at`);--> statement-breakpoint
CREATE TABLE `spend_counters` (
	`scope` text NOT NULL,
	`window_start` integer NOT NULL,
	`used_micros` integer NOT NULL,
	PRIMARY KEY(`scope`, `window_start`)
);
--> statement-breakpoint
CREATE TABLE `spend_overrides` (
	`payer` text PRIMARY KEY NOT NULL,
	`max_usd_micros_per_call` integer,
	`max_usd_micros_per_hour` integer,
	`max_usd_micros_per_day` integer,
	`note` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `spend_policies` (
	`payer` text PRIMARY KEY NOT NULL,
	`max_usd_micros_per_call` integer NOT NULL,
	`max_usd_micros_per_day` integer NOT NULL,
	`valid_until` integer NOT NULL,
	`nonce` text NOT NULL,
	`signature` text NOT NULL,
	`updated_at` integer NOT NULL
);
