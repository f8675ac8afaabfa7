-- What each invocation sent with outbound HTTP: how many requests, and the
-- bytes of their request and response bodies.
alter table invocations add column outbound_requests bigint not null default 0;
alter table invocations add column outbound_bytes bigint not null default 0;
