-- Source code in the browser editor: each function's saved draft, each
-- version's source, and the build jobs that turn a draft into a version.
-- Builds are rows any server node may claim, so a restart loses none and
-- several nodes share the queue (PostgreSQL dialect).
alter table functions add column language text;
alter table functions add column source text;
alter table functions add column source_saved_at bigint;
alter table versions add column language text;
alter table versions add column source text;

create table builds (
    build_id bigint generated always as identity primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    function_id bigint not null references functions (function_id) on delete cascade,
    language text not null,
    source text not null,
    -- queued, compiling, storing, live or failed.
    state text not null,
    -- Why it failed: compile_error, timeout, memory, output_too_large,
    -- invalid_component or internal.
    error_code text,
    error_message text,
    -- JSON array of diagnostics on the user's source lines.
    diagnostics text not null,
    log text not null,
    version bigint,
    build_ms bigint,
    created_at bigint not null,
    started_at bigint,
    finished_at bigint,
    -- The node working on it and when it last said so: a build whose node
    -- went quiet goes back to the queue.
    worker text,
    heartbeat_at bigint
);
create index builds_state on builds (state, build_id);
create index builds_function on builds (function_id, build_id);
