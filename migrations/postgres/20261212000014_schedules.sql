-- Cron schedules of functions, and each slot they ran. A node claims a
-- due schedule with one conditional update that leases it (renewed while
-- the run lasts), so each slot runs once across nodes and runs of one
-- schedule never overlap; a lease that lapses (its node died) lets
-- another node retry the slot. The (schedule, slot) row makes each slot
-- one run, however many nodes look (PostgreSQL dialect).
create table schedules (
    schedule_id bigint generated always as identity primary key,
    function_id bigint not null references functions (function_id) on delete cascade,
    cron text not null,
    timezone text not null,
    -- 0 or 1, and why when Fnlab paused it (a quota used up).
    paused bigint not null default 0,
    paused_reason text,
    -- The earliest slot not yet run, ms.
    next_slot bigint not null,
    -- When "run now" was asked and not yet run, ms.
    run_requested_at bigint,
    -- The node running it, until when.
    lease_owner text,
    lease_until bigint not null default 0,
    created_at bigint not null
);
create index schedules_function on schedules (function_id, schedule_id);
create index schedules_due on schedules (paused, next_slot);

create table schedule_runs (
    schedule_id bigint not null references schedules (schedule_id) on delete cascade,
    -- The scheduled time, ms (for a run asked with "run now", when it was asked).
    slot bigint not null,
    -- 1 for a "run now".
    manual bigint not null,
    -- running, done or failed.
    state text not null,
    attempts bigint not null,
    node text not null,
    request_id text,
    status bigint,
    error text,
    started_at bigint not null,
    finished_at bigint,
    primary key (schedule_id, slot, manual)
);
