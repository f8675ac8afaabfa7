-- Cold starts: how long each invocation waited for its function's program
-- to be made ready (0 when it was in memory). Cold starts are few, so the
-- metrics read them through an index of their own.
alter table invocations add column cold_start_us bigint not null default 0;
create index invocations_cold_starts on invocations (function_id, started_at) where cold_start_us > 0;
