// A scheduled job. Add a schedule to this function under Schedules on
// its page (try "*/5 * * * *": every five minutes), or press "Run now".
// Each run arrives as a request that `fnlab::ScheduledRun::from_request`
// recognises, with the cron expression and the time the run was due.
// This one counts its runs and keeps the time of the last one in your
// default key-value store; open the function's URL to read them.

fn handle(request: fnlab::Request) -> Result<String, fnlab::kv::KvError> {
    let store = fnlab::kv::open("default")?;
    if let Some(run) = fnlab::ScheduledRun::from_request(&request) {
        let runs = store.increment("job-runs", 1)?;
        store.set("job-last-run", &run.scheduled_time)?;
        println!("run {runs} of {:?}, due at {}", run.cron, run.scheduled_time);
        return Ok(format!("run {runs}\n"));
    }
    let runs = store.get_text("job-runs")?.unwrap_or_else(|| "0".into());
    let last = store.get_text("job-last-run")?.unwrap_or_else(|| "never".into());
    Ok(format!("runs: {runs}, last run due at: {last}\n"))
}

fnlab::http!(handle);
