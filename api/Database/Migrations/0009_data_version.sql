-- The data version: one row that every committed change of the data moves on, and a notification on the channel
-- observatoire_data that says so. The API keys its read cache and its ETags on it and learns of other processes'
-- commits by LISTENing (see docs/decisions/0017-read-cache.md). changed_at is the time of the latest change of any
-- data, deletions included: the Last-Modified of every read.
create table data_version (
    version    bigint      not null,
    changed_at timestamptz not null
);
create unique index data_version_one_row on data_version ((true));

-- Starts where the data are: the latest update of every tracked table and the latest deletion.
do $$
declare
    tracked regclass;
    latest  timestamptz := (select max(deleted_at) from tombstones);
    updated timestamptz;
begin
    for tracked in select distinct t.tgrelid::regclass from pg_trigger t join pg_proc p on p.oid = t.tgfoid
                   where p.proname = 'track_change' and not t.tgisinternal loop
        execute format('select max(updated_at) from %s', tracked) into updated;
        latest := greatest(latest, updated);
    end loop;
    insert into data_version values (1, coalesce(latest, now()));
end
$$;

-- Moves the version on once per transaction, at its commit: the triggers calling it are deferred, so the row lock
-- is held only from the commit's start to its end, writers are not serialised for their whole transaction and no
-- deadlock can form around it (nothing else is locked after it). The transaction's id in a transaction-local
-- setting makes every later call of the same transaction return at once. The notification carries the version and
-- its time (microseconds since the epoch) and is delivered when the transaction commits, never if it rolls back.
create function bump_data_version() returns trigger language plpgsql as $$
declare
    bumped data_version;
begin
    if current_setting('observatoire.data_version_bumped_by', true) is not distinct from pg_current_xact_id()::text then
        return null;
    end if;
    perform set_config('observatoire.data_version_bumped_by', pg_current_xact_id()::text, true);
    update data_version set version = version + 1, changed_at = clock_timestamp() returning * into bumped;
    perform pg_notify('observatoire_data', bumped.version || ' ' || (extract(epoch from bumped.changed_at) * 1000000)::bigint);
    return null;
end
$$;

-- Makes a change of the table move the data version on. Constraint triggers are row triggers only (the function
-- does its work once per transaction); a truncate has its own statement trigger.
create function track_data_version(target regclass) returns void language plpgsql as $$
declare
    name text := (select relname from pg_class where oid = target);
begin
    execute format('drop trigger if exists %I on %s', name || '_data_version', target);
    execute format('create constraint trigger %I after insert or update or delete on %s deferrable initially deferred '
                   'for each row execute function bump_data_version()', name || '_data_version', target);
    execute format('create or replace trigger %I after truncate on %s for each statement execute function bump_data_version()',
                   name || '_data_version_truncate', target);
end
$$;

-- As in 0008, and a tracked collection's table moves the data version on, as do the tables that refer to it (its
-- links, its communes, its perimeters...): a new collection gets it by being tracked, nothing else to write.
create or replace function track_collection(collection regclass) returns void language plpgsql as $$
declare
    name text := (select relname from pg_class where oid = collection);
begin
    execute format('create or replace trigger %I before insert or update on %s for each row execute function track_change()',
                   name || '_track_change', collection);
    execute format('create or replace trigger %I after delete on %s referencing old table as deleted_rows '
                   'for each statement execute function leave_tombstones()', name || '_leave_tombstones', collection);
    execute format('create or replace trigger %I after insert on %s referencing new table as inserted_rows '
                   'for each statement execute function remove_tombstones()', name || '_remove_tombstones', collection);
    execute format('delete from tombstones where entity = %L and id in (select id from %s)', name, collection);
    perform track_data_version(collection);
    perform track_data_version(c.conrelid::regclass) from pg_constraint c where c.contype = 'f' and c.confrelid = collection;
end
$$;

-- Every table an answer reads, that is all but the API keys, the data version itself and the migrations' journal.
select track_data_version(c.oid::regclass)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema() and c.relkind in ('r', 'p')
  and c.relname not in ('api_keys', 'data_version', 'evolve_changelog');
