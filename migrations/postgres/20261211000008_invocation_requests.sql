-- What each invocation was asked, for its log and the live tail: how it was
-- triggered (`http` for a call to the function's URL), the request's method
-- and the path the guest saw. Older rows keep empty method and path.
alter table invocations add column trigger text not null default 'http';
alter table invocations add column method text not null default '';
alter table invocations add column path text not null default '';
