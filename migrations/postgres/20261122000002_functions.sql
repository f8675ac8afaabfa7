-- Functions, their immutable versions, the content-addressed components
-- they run, and one record per invocation (PostgreSQL dialect).
create table artifacts (
    sha256 text primary key,
    bytes bytea not null,
    size bigint not null,
    created_at bigint not null
);

create table functions (
    function_id bigint generated always as identity primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    name text not null,
    live_version bigint,
    timeout_ms bigint not null,
    memory_mb bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    unique (user_id, name)
);

create table versions (
    function_id bigint not null references functions (function_id) on delete cascade,
    version bigint not null,
    sha256 text not null references artifacts (sha256),
    created_at bigint not null,
    primary key (function_id, version)
);

-- Invocations outlive their function: they are what the owner is billed for.
-- `request_id` makes a retried batch write idempotent.
create table invocations (
    invocation_id bigint generated always as identity primary key,
    request_id text not null unique,
    user_id bigint not null,
    function_id bigint not null,
    function_name text not null,
    version bigint not null,
    started_at bigint not null,
    wall_us bigint not null,
    cpu_us bigint not null,
    peak_memory_bytes bigint not null,
    memory_mb bigint not null,
    bytes_in bigint not null,
    bytes_out bigint not null,
    status bigint not null,
    outcome text not null,
    stdout text not null,
    stderr text not null
);
create index invocations_function_started on invocations (function_id, started_at);
create index invocations_user_started on invocations (user_id, started_at);
