-- File drops: a key-value store may be a bucket whose uploads (through
-- the REST API or its page) each queue an S3-shaped event for one of its
-- owner's functions. Deleting the function leaves the store, untriggered.
alter table kv_stores add column trigger_function_id bigint
    references functions (function_id) on delete set null;

-- How many deliveries of an event a function gets before it is
-- dead-lettered; null: the server's setting (FNLAB_EVENT_ATTEMPTS).
alter table functions add column event_attempts bigint;
