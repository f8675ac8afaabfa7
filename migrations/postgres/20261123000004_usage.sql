-- Usage rolled up per function per hour, so billing and metrics read a few
-- rows per hour instead of every invocation, and the plan each user is on.
-- The same SQL serves SQLite and PostgreSQL.

-- One row per function per hour: the sums of its billed invocations and a
-- latency histogram (`bucket:count` pairs, see metering/src/histogram.rs).
create table usage_hourly (
    function_id bigint not null,
    hour bigint not null,
    user_id bigint not null,
    function_name text not null,
    requests bigint not null,
    errors bigint not null,
    mb_ms bigint not null,
    cpu_ms bigint not null,
    bytes_in bigint not null,
    bytes_out bigint not null,
    latency text not null,
    primary key (function_id, hour)
);
create index usage_hourly_user_hour on usage_hourly (user_id, hour);

-- Invocations up to this id are in usage_hourly; later ones are read raw.
-- Moved forward in the same transaction that adds them, so none is counted
-- twice or missed.
create table usage_rollup_state (
    rollup_id bigint primary key,
    last_invocation_id bigint not null
);
insert into usage_rollup_state (rollup_id, last_invocation_id) values (1, 0);

-- The user's plan (its quotas); null is the configured default plan.
alter table users add column plan text;
