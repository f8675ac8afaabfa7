-- Accounts, API tokens, sessions and node-shared secrets (PostgreSQL dialect).
create table users (
    user_id bigint generated always as identity primary key,
    username text not null unique,
    password_hash text not null,
    created_at bigint not null
);

create table api_tokens (
    token_id bigint generated always as identity primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    created_at bigint not null,
    last_used_at bigint
);
create index api_tokens_user_id on api_tokens (user_id);

create table sessions (
    session_id text primary key,
    data text not null,
    expires_at bigint not null
);
create index sessions_expires_at on sessions (expires_at);

create table secrets (
    name text primary key,
    value text not null
);
