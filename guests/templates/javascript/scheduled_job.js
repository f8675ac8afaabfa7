// A scheduled job. Add a schedule to this function under Schedules on
// its page (try "*/5 * * * *": every five minutes), or press "Run now".
// Each run calls `scheduled(controller, env, ctx)`, as Cloudflare Workers'
// cron triggers do: controller.cron is the expression, and
// controller.scheduledTime the time the run was due (ms). This one counts
// its runs and keeps the time of the last one in your default key-value
// store; open the function's URL to read them.

export default {
  async scheduled(controller, env, ctx) {
    const runs = kv.increment('job-runs');
    const due = new Date(controller.scheduledTime).toISOString();
    kv.set('job-last-run', due);
    console.log(`run ${runs} of "${controller.cron}", due at ${due}`);
  },

  async fetch(request) {
    const runs = kv.get('job-runs') ?? '0';
    const last = kv.get('job-last-run') ?? 'never';
    return new Response(`runs: ${runs}, last run due at: ${last}\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
