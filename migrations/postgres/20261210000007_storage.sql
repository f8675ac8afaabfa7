-- Components that no version refers to any more are deleted (see
-- functions/src/storage.rs), and so is the native code cached from them.
-- Both the collection's `not exists` and the versions → artifacts foreign
-- key, which guards it, look versions up by component: without this index
-- each would read every version. The same SQL serves SQLite and PostgreSQL.
create index versions_sha256 on versions (sha256);
