-- The usage writer now adds each batch of invocations to usage_hourly in
-- the transaction that inserts it, so nothing reads invocations back to
-- bill them and the background rollup pass is gone. What that pass had not
-- taken yet is the backlog: invocations after `after_id` up to `through_id`,
-- rolled up once when Fnlab starts (metering/src/rollup.rs, catch_up).
-- The same SQL serves SQLite and PostgreSQL.
create table usage_backlog (
    backlog_id bigint primary key,
    after_id bigint not null,
    through_id bigint not null
);
insert into usage_backlog (backlog_id, after_id, through_id)
select 1, last_invocation_id, coalesce((select max(invocation_id) from invocations), 0)
from usage_rollup_state where rollup_id = 1;
drop table usage_rollup_state;

-- Totals read usage_hourly; the raw records are read per function only
-- (its log, its last hour of metrics), so this index only slowed inserts.
drop index invocations_user_started;
