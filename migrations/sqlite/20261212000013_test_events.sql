-- Each function's saved test events: JSON payloads kept by name, as
-- written, to invoke it with from the test console.
create table test_events (
    function_id bigint not null references functions (function_id) on delete cascade,
    name text not null,
    payload text not null,
    updated_at bigint not null,
    primary key (function_id, name)
);
