-- The event queue: asynchronous invocations, stored before they are
-- accepted and delivered at least once by whichever node claims them,
-- one at a time per function, oldest first. A failed delivery is retried
-- with exponential backoff, then the event is dead-lettered until its
-- owner replays or deletes it. A node that dies mid-delivery lets its
-- lease lapse, and the event is delivered again (SQLite dialect).
create table events (
    -- The order events were sent in.
    event_seq integer primary key,
    event_id text not null unique,
    function_id bigint not null references functions (function_id) on delete cascade,
    -- Who sent it: api, invoke, url or function.
    source text not null,
    payload text not null,
    -- queued, running, retrying, done or dead.
    state text not null,
    attempts bigint not null default 0,
    -- When it may be delivered (again), ms.
    due_at bigint not null,
    last_error text,
    last_status bigint,
    request_id text,
    lease_owner text,
    lease_until bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null
);
create index events_due on events (state, due_at);
create index events_function on events (function_id, event_seq);
