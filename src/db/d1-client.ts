import type { D1Database } from '@cloudflare/workers-types/latest'
import { drizzle } from 'drizzle-orm/d1'
import { type Db, registerDatabaseTraits } from './database'
import * as schema from './schema'

/** Cloudflare D1's documented limit of bound parameters per query. */
export const D1_MAX_BOUND_PARAMETERS = 100

/**
 * The store on Cloudflare D1, through drizzle's D1 driver: the same schema and queries as SQLite. Migrations are not
 * applied here; `wrangler d1 migrations apply` applies the same files (wrangler.toml `migrations_dir`).
 */
export function openD1Db(binding: D1Database): Db {
  const db = drizzle(binding, { schema }) as unknown as Db
  registerDatabaseTraits(db, { maxBoundParameters: D1_MAX_BOUND_PARAMETERS, hasChangeCounter: false })
  return db
}
