-- Whether a function asks for a fresh instance for every request (1) rather
-- than letting an instance serve its next requests (0, the default; see
-- the README's "What survives between two requests").
alter table functions add column fresh_instances integer not null default 0;
