-- Support for conditional reads: the time of the last change of any data, read with each cacheable GET.
create index territories_updated_at on territories (updated_at);
create index tombstones_deleted_at on tombstones (deleted_at);

-- Redefined by each migration that adds an entity table.
create or replace function last_data_change() returns timestamptz language sql stable as $$
    select greatest(
        (select max(updated_at) from territories),
        (select max(deleted_at) from tombstones))
$$;
