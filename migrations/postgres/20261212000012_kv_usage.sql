-- Key-value reads and writes are billed: the hourly rollups sum them.
alter table usage_hourly add column kv_reads bigint not null default 0;
alter table usage_hourly add column kv_writes bigint not null default 0;
