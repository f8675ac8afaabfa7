-- Each user's key-value stores and their entries. `bytes` is what the
-- store's keys and values weigh, kept up to date by every write, so that
-- a user's total is a sum over a few rows.
create table kv_stores (
    store_id integer primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    name text not null,
    bytes bigint not null default 0,
    created_at bigint not null,
    unique (user_id, name)
);

create table kv_entries (
    store_id bigint not null references kv_stores (store_id) on delete cascade,
    key text not null,
    value blob not null,
    updated_at bigint not null,
    primary key (store_id, key)
);

-- What each invocation did with its owner's stores.
alter table invocations add column kv_reads bigint not null default 0;
alter table invocations add column kv_writes bigint not null default 0;
