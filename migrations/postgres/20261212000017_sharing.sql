-- Sharing: an owner may make a function's source public, with a
-- description; anyone can then read it at /s/{user}/{function} and fork
-- it. A fork remembers its original by id (for the count of forks) and as
-- "user/function" text, which it keeps after the original is deleted.
alter table functions add column public bigint not null default 0;
alter table functions add column description text not null default '';
alter table functions add column forked_from_id bigint
    references functions (function_id) on delete set null;
alter table functions add column forked_from text;
create index functions_forked_from on functions (forked_from_id);
