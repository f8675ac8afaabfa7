-- Admins are granted on the server (`fnlab admin grant USERNAME`), never
-- by a username in the configuration that anyone could register first.
alter table users add column admin_granted_at bigint;
