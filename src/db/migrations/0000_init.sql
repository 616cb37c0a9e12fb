CREATE TABLE `daily_ohlcv` (
	`symbol` text NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	`market_cap` real,
	`source` text NOT NULL,
	`date` text NOT NULL,
	PRIMARY KEY(`symbol`, `date`)
);
--> statement-breakpoint
CREATE TABLE `data_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hourly_ohlcv` (
	`symbol` text NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	`market_cap` real,
	`source` text NOT NULL,
	`timestamp` text NOT NULL,
	PRIMARY KEY(`symbol`, `timestamp`)
);
--> statement-breakpoint
CREATE TABLE `ingest_cursors` (
	`source` text NOT NULL,
	`symbol` text NOT NULL,
	`interval` text NOT NULL,
	`last_time` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`source`, `symbol`, `interval`)
);
--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`network` text NOT NULL,
	`asset` text NOT NULL,
	`payer` text NOT NULL,
	`nonce` text NOT NULL,
	`state` text NOT NULL,
	`x402_version` integer NOT NULL,
	`scheme` text NOT NULL,
	`method` text NOT NULL,
	`route` text NOT NULL,
	`request_key` text NOT NULL,
	`amount` text NOT NULL,
	`asset_symbol` text NOT NULL,
	`usd_price` text NOT NULL,
	`pay_to` text NOT NULL,
	`valid_before` integer NOT NULL,
	`payload` text NOT NULL,
	`tx_hash` text,
	`failure_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`verified_at` integer,
	`broadcast_at` integer,
	`settled_at` integer,
	`verify_ms` integer,
	`handler_ms` integer,
	`settle_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_authorization_unique` ON `payments` (`network`,`asset`,`payer`,`nonce`);--> statement-breakpoint
CREATE INDEX `payments_state_idx` ON `payments` (`state`);--> statement-breakpoint
CREATE INDEX `payments_payer_idx` ON `payments` (`payer`,`created_at`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`symbol` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`category` text,
	`subcategory` text,
	`asset_type` text,
	`home_chain` text,
	`contract_address` text,
	`coingecko_id` text
);
