import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types/latest'
import { ConfigError } from './config/env'
import type { WorkerBindings } from './edge/bindings'
import { runScheduled } from './edge/schedule'
import { workerRuntime } from './edge/worker-services'

/**
 * The Cloudflare Workers entry: the same app as Node (src/node.ts), composed from the Worker's bindings
 * (src/edge/worker-services.ts); cron triggers run the reconciler and the market-data refresh. The Durable Object
 * classes are exported from here because wrangler binds them by the main module's exports.
 */
export { SettlementRelayer } from './edge/relayer-object'
export { SharedState } from './edge/shared-state-object'

/** A bad configuration is one clear 500 (naming keys, never values), not a stack trace per request. */
function badEnvironment(error: ConfigError): Response {
  return Response.json(
    { success: false, error: 'bad_environment', message: error.message, problems: error.problems },
    { status: 500 },
  )
}

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Promise<Response> {
    let runtime: ReturnType<typeof workerRuntime>
    try {
      runtime = workerRuntime(env)
    } catch (error) {
      if (error instanceof ConfigError) return badEnvironment(error)
      throw error
    }
    const response = await runtime.app.fetch(request, env, ctx)
    // Ledger writes that failed during the request are retried after the answer, not only at the next cron.
    const outbox = runtime.services.paid.outbox
    if (outbox.size > 0) ctx.waitUntil(outbox.flush())
    return response
  },

  async scheduled(
    controller: ScheduledController,
    env: WorkerBindings,
    ctx: ExecutionContext,
  ): Promise<void> {
    ctx.waitUntil(runScheduled(workerRuntime(env), controller.cron))
  },
}
