-- Ids are never given twice. Without `autoincrement`, SQLite gives a new
-- row the largest id plus one, so deleting the newest function (or token,
-- build, user) handed its id to the next one, which then inherited what
-- referred to it by id: its usage, metrics and bill. (PostgreSQL's identity
-- columns never reuse ids.) Each table is rebuilt with `autoincrement`, as
-- SQLite documents for changing a column: `db::pool` runs this once, with
-- foreign keys off and in a transaction of its own, so that dropping an old
-- table deletes nothing that refers to it.

create table users_new (
    user_id integer primary key autoincrement,
    username text not null unique,
    password_hash text not null,
    created_at bigint not null,
    plan text
);
insert into users_new (user_id, username, password_hash, created_at, plan)
    select user_id, username, password_hash, created_at, plan from users;
drop table users;
alter table users_new rename to users;

create table api_tokens_new (
    token_id integer primary key autoincrement,
    user_id bigint not null references users (user_id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    created_at bigint not null,
    last_used_at bigint
);
insert into api_tokens_new (token_id, user_id, name, token_hash, created_at, last_used_at)
    select token_id, user_id, name, token_hash, created_at, last_used_at from api_tokens;
drop table api_tokens;
alter table api_tokens_new rename to api_tokens;
create index api_tokens_user_id on api_tokens (user_id);

create table functions_new (
    function_id integer primary key autoincrement,
    user_id bigint not null references users (user_id) on delete cascade,
    name text not null,
    live_version bigint,
    timeout_ms bigint not null,
    memory_mb bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    language text,
    source text,
    source_saved_at bigint,
    unique (user_id, name)
);
insert into functions_new (function_id, user_id, name, live_version, timeout_ms, memory_mb,
        created_at, updated_at, language, source, source_saved_at)
    select function_id, user_id, name, live_version, timeout_ms, memory_mb,
        created_at, updated_at, language, source, source_saved_at from functions;
drop table functions;
alter table functions_new rename to functions;

create table builds_new (
    build_id integer primary key autoincrement,
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
insert into builds_new (build_id, user_id, function_id, language, source, state, error_code,
        error_message, diagnostics, log, version, build_ms, created_at, started_at,
        finished_at, worker, heartbeat_at)
    select build_id, user_id, function_id, language, source, state, error_code,
        error_message, diagnostics, log, version, build_ms, created_at, started_at,
        finished_at, worker, heartbeat_at from builds;
drop table builds;
alter table builds_new rename to builds;
create index builds_state on builds (state, build_id);
create index builds_function on builds (function_id, build_id);

