/**
 * The `cloudflare:workers` runtime module, typed from @cloudflare/workers-types' module form (its ambient form would
 * clash with the DOM and Node globals the rest of the project is checked against).
 */
declare module 'cloudflare:workers' {
  import { CloudflareWorkersModule } from '@cloudflare/workers-types/latest'
  export import DurableObject = CloudflareWorkersModule.DurableObject
}
