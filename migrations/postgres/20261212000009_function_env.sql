-- Each function's configuration: plain variables (`value`) and secrets
-- (`sealed`: nonce and XChaCha20-Poly1305 ciphertext, under the key whose
-- id is `key_id`; the key itself is never stored here). `secret` is 0 or 1.
create table function_env (
    function_id bigint not null references functions (function_id) on delete cascade,
    name text not null,
    secret bigint not null,
    value text,
    sealed bytea,
    key_id text,
    updated_at bigint not null,
    primary key (function_id, name)
);
