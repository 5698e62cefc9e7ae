-- Tombstones are kept by the database itself, so that every way of writing a collection's table (the API, the
-- seeders, a direct session) keeps the change feed true: deleting rows leaves (or refreshes) their tombstones,
-- inserting rows removes theirs. A tombstone's entity is the table's name, which is also the collection's name.
-- Statement triggers with transition tables: one statement on the tombstones per write, however many rows.

-- A refreshed tombstone takes a new position in the feed, in the deleting transaction, like a new one.
create function leave_tombstones() returns trigger language plpgsql as $$
begin
    insert into tombstones (entity, id) select tg_table_name, id from deleted_rows
    on conflict (entity, id) do update
        set deleted_at = excluded.deleted_at, change_txid = excluded.change_txid, change_seq = excluded.change_seq;
    return null;
end
$$;

create function remove_tombstones() returns trigger language plpgsql as $$
begin
    delete from tombstones where entity = tg_table_name and id in (select id from inserted_rows);
    return null;
end
$$;

-- Makes a table a tracked collection: the version and change position of its rows (track_change) and its
-- tombstones. A new collection's migration calls it once after creating its table; calling it again is harmless.
-- A row that exists has no tombstone: any left by earlier writes go, so that the triggers start from that rule.
create function track_collection(collection regclass) returns void language plpgsql as $$
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
end
$$;

-- Every table tracked so far (migrations 0001 and 0002).
select track_collection(t.tgrelid::regclass)
from (select distinct t.tgrelid from pg_trigger t join pg_proc p on p.oid = t.tgfoid
      where p.proname = 'track_change' and not t.tgisinternal) t;
