-- A record's representation embeds other rows: its own link and child rows (members, citations, speakers...),
-- rows of other tables that name it (a figure of a territory, the resources naming an actor), and fields of the
-- records it refers to (a source's title, an actor's name, a territory's name). Whenever one of those changes, the
-- embedding record is touched: its version, updated_at and change position move on, as for a write of its own, so
-- the change feed, updatedSince, the ETag and the version stay coherent. See docs/decisions/0028-feed-embeddings.md.
--
-- Writes queue what they affect in feed_pending; the touches run at commit (deferred), after the data version's
-- row is locked: commits of writers are serialised there already (0009), so the records that embed a changed row
-- are looked up with every earlier commit visible and no later one can slip in between. A record the transaction
-- wrote itself is not touched again: its position is already the transaction's, and its version is the one its
-- writer answered.

-- What a writing transaction affected; its rows never outlive it. A row is either a row naming a record to touch
-- (via null: target and key; the row as the record's read shows it, in link, added with delta 1 or removed with
-- -1), or a changed record whose embedders are looked up at commit: the target records whose via table's
-- via_target column holds them where its via_key column equals (or, for an array, contains) key.
create table feed_pending (
    target     text    not null,
    key        text    not null,
    link       jsonb,
    delta      integer,
    via        text,
    via_key    text,
    via_target text,
    batch      integer
);

-- Touches the records of a collection (version, updated_at and change position move on through track_change),
-- except those this transaction wrote, locking them in id order so that two touching transactions never wait
-- for each other in opposite orders.
create function touch_records(collection text, ids text[]) returns void language plpgsql as $$
begin
    execute format('select 1 from %I where id = any($1) and change_txid <> pg_current_xact_id() order by id for no key update', collection)
        using ids;
    execute format('update %I set version = version where id = any($1) and change_txid <> pg_current_xact_id()', collection)
        using ids;
end
$$;

-- Touches everything queued. Touching moves rows, which may queue more (a figure touched moves its territory):
-- it goes on until nothing new is queued. The final pass (under the data version's lock) looks the embedders up
-- again for every queued change: a link committed by another transaction since the first pass is seen.
create function flush_feed_pending(final boolean) returns void language plpgsql as $$
declare
    again boolean := final;
    round     integer := 0;
    item      record;
    ids       text[];
    embedders text[];
begin
    loop
        -- This round takes what is queued so far; what its touches queue goes to the next one.
        round := round + 1;
        update feed_pending p set batch = round where p.batch is null;
        exit when not found and not again;
        -- Rows naming a record count only when their net change is not nil: links replaced whole by the same ones
        -- (deleted, then inserted again) move nothing.
        for item in
            select target, null as via, null as via_key, null as via_target, array_agg(distinct key) as keys
            from (select target, key from feed_pending where via is null
                  group by target, key, link having sum(delta) <> 0) moved
            group by target
            union all
            select target, via, via_key, via_target, array_agg(distinct key) as keys
            from feed_pending p where via is not null and (again or p.batch = round)
            group by target, via, via_key, via_target
            order by 1, 2 nulls first, 3, 4
        loop
            if item.via is null then
                ids := item.keys;
            else
                execute format('select array_agg(distinct %I) from %I where %I %s',
                               item.via_target, item.via, item.via_key,
                               case when exists (select from information_schema.columns c where c.table_schema = current_schema()
                                                 and c.table_name = item.via and c.column_name = item.via_key and c.data_type = 'ARRAY')
                                    then '&& $1' else '= any($1)' end)
                    into embedders using item.keys;
                ids := coalesce(embedders, '{}');
            end if;
            if cardinality(ids) > 0 then perform touch_records(item.target, ids); end if;
        end loop;
        again := false;
    end loop;
    if final then delete from feed_pending; end if;
    perform set_config('observatoire.feed_queued', '', true);
end
$$;

-- The data version moves on at commit (0009); the touches go just before (taking the rows' locks without holding
-- the data version's) and once more just after it, with every earlier commit visible.
create or replace function bump_data_version() returns trigger language plpgsql as $$
declare
    bumped data_version;
begin
    if current_setting('observatoire.data_version_bumped_by', true) is not distinct from pg_current_xact_id()::text then
        return null;
    end if;
    perform flush_feed_pending(false);
    perform set_config('observatoire.data_version_bumped_by', pg_current_xact_id()::text, true);
    update data_version set version = version + 1, changed_at = clock_timestamp() returning * into bumped;
    perform flush_feed_pending(true);
    perform pg_notify('observatoire_data', bumped.version || ' ' || (extract(epoch from bumped.changed_at) * 1000000)::bigint);
    return null;
end
$$;

-- What is queued after the data version moved (the links of territories are computed at commit too) is touched
-- at once, still under its lock. The trigger fires for each queued row: only the first after a queueing works
-- (a transaction-local flag), so that a bulk write does not scan the queue once per row.
create function flush_feed_pending_late() returns trigger language plpgsql as $$
begin
    if current_setting('observatoire.feed_queued', true) is distinct from 'yes' then return null; end if;
    perform flush_feed_pending(current_setting('observatoire.data_version_bumped_by', true) is not distinct from pg_current_xact_id()::text);
    return null;
end
$$;
create constraint trigger feed_pending_at_commit after insert on feed_pending
    deferrable initially deferred for each row execute function flush_feed_pending_late();

-- Rows of a table moved: the records of the target collection they name in column, before (-1) and after (+1),
-- each row as the watched column shows it (the whole row when none is given). At commit a record moves only when
-- the sum for one of those rows is not nil.
create function queue_named_records() returns trigger language plpgsql as $$
declare
    target  text := tg_argv[0];
    col     text := tg_argv[1];
    shown   text := case when tg_argv[2] = '' then 'to_jsonb(x)' else 'to_jsonb(x.' || quote_ident(tg_argv[2]) || ')' end;
    queue   text := 'insert into feed_pending (target, key, link, delta) select $1, x.%1$I, %2$s, %3$s from %4$s x where x.%1$I is not null';
begin
    if tg_op in ('DELETE', 'UPDATE') then
        execute format(queue, col, shown, -1, 'old_rows') using target;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        execute format(queue, col, shown, 1, 'new_rows') using target;
    end if;
    perform set_config('observatoire.feed_queued', 'yes', true);
    return null;
end
$$;

-- Changed records of a collection (or rows of a table keyed by tg_argv[5]): their embedders are looked up at
-- commit (see feed_pending), when one of the embedded columns changed.
create function queue_embedders() returns trigger language plpgsql as $$
begin
    execute format('insert into feed_pending (target, key, via, via_key, via_target) '
                   'select distinct $1, n.%3$I, $2, $3, $4 from new_rows n join old_rows o on o.%3$I = n.%3$I '
                   'where row(%1$s) is distinct from row(%2$s)',
                   (select string_agg('n.' || quote_ident(c), ', ') from unnest(string_to_array(tg_argv[4], ',')) c),
                   (select string_agg('o.' || quote_ident(c), ', ') from unnest(string_to_array(tg_argv[4], ',')) c),
                   tg_argv[5])
        using tg_argv[0], tg_argv[1], tg_argv[2], tg_argv[3];
    perform set_config('observatoire.feed_queued', 'yes', true);
    return null;
end
$$;

-- A change of a row of table moves the record of target named in its column (watched: the columns whose update
-- matters, all when empty). Triggers are named after the table and column, so calling it again replaces them.
create function feed_follows(tbl regclass, col text, target text, watched text default '') returns void language plpgsql as $$
declare
    name text := (select relname from pg_class where oid = tbl) || '_' || col || '_moves_' || target;
begin
    execute format('create or replace trigger %I after insert on %s referencing new table as new_rows '
                   'for each statement execute function queue_named_records(%L, %L, %L)', name || '_i', tbl, target, col, watched);
    execute format('create or replace trigger %I after delete on %s referencing old table as old_rows '
                   'for each statement execute function queue_named_records(%L, %L, %L)', name || '_d', tbl, target, col, watched);
    execute format('create or replace trigger %I after update on %s referencing old table as old_rows new table as new_rows '
                   'for each statement execute function queue_named_records(%L, %L, %L)', name || '_u', tbl, target, col, watched);
end
$$;

-- The records of target embed columns of collection's records, found through via (via_key holds the
-- collection's id, via_target the target's id): an update of one of those columns moves them.
create function feed_embeds(collection regclass, columns text, target text, via text, via_key text, via_target text,
                            key text default 'id') returns void language plpgsql as $$
begin
    execute format('create or replace trigger %I after update on %s referencing old table as old_rows new table as new_rows '
                   'for each statement execute function queue_embedders(%L, %L, %L, %L, %L, %L)',
                   via || '_' || via_key || '_embeds_' || (select relname from pg_class where oid = collection) || '_in_' || target,
                   collection, target, via, via_key, via_target, columns, key);
end
$$;

-- A collection's own rows (link and child tables that go with it: on delete cascade) are part of it.
create function feed_follows_owned(collection regclass) returns void language plpgsql as $$
begin
    perform feed_follows(c.conrelid::regclass, a.attname, (select relname from pg_class where oid = collection))
    from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = collection and c.confdeltype = 'c' and cardinality(c.conkey) = 1;
end
$$;

-- As in 0009, and a collection's owned rows move its records.
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
    perform feed_follows_owned(collection);
end
$$;

select feed_follows_owned(t.tgrelid::regclass)
from (select distinct t.tgrelid from pg_trigger t join pg_proc p on p.oid = t.tgfoid
      where p.proname = 'track_change' and not t.tgisinternal) t;

-- Rows that name a record without belonging to it, as the record's read shows them.
select feed_follows('figures', 'territory_id', 'territories');                  -- a territory embeds its figures whole
select feed_follows('territory_links', 'territory_id', 'territories');          -- its predecessors and successors
select feed_follows('resource_actors', 'actor_id', 'actors');                   -- an actor lists its resources,
select feed_follows('project_actors', 'actor_id', 'actors');                    -- its projects,
select feed_follows('session_speakers', 'actor_id', 'actors');                  -- its sessions as a speaker
select feed_follows('sessions', 'partner_actor_id', 'actors', 'partner_actor_id'); -- and as a partner
select feed_follows('project_resources', 'resource_id', 'resources');           -- a resource lists its projects

-- Fields of the records a record refers to, as its read shows them.
select feed_embeds('territories', 'phase,code,name', 'resources', 'resources', 'territory_id', 'id');
select feed_embeds('territories', 'phase,code,name', 'projects', 'projects', 'territory_id', 'id');
select feed_embeds('territories', 'phase,code,name', 'sessions', 'sessions', 'territory_id', 'id');
select feed_embeds('territories', 'phase,code,name', 'actors', 'actor_territories', 'territory_id', 'actor_id');
select feed_embeds('territories', 'phase,code,name', 'territories', 'territory_links', 'linked_id', 'territory_id');
select feed_embeds('actors', 'name,type', 'resources', 'resource_actors', 'actor_id', 'resource_id');
select feed_embeds('actors', 'name,type', 'projects', 'project_actors', 'actor_id', 'project_id');
select feed_embeds('actors', 'name,type', 'sessions', 'session_speakers', 'actor_id', 'session_id');
select feed_embeds('actors', 'name,type', 'sessions', 'sessions', 'partner_actor_id', 'id');
select feed_embeds('resources', 'name,kind', 'projects', 'project_resources', 'resource_id', 'project_id');
select feed_embeds('sources', 'url,title,publisher,seen_on', t.target, t.via, 'source_id', t.owner)
from (values ('territories', 'territory_sources', 'territory_id'), ('actors', 'actor_sources', 'actor_id'),
             ('resources', 'resource_sources', 'resource_id'), ('projects', 'project_sources', 'project_id'),
             ('sessions', 'session_sources', 'session_id'), ('figures', 'figure_sources', 'figure_id')) t(target, via, owner);
select feed_embeds('regions', 'name', 'territories', 'territories', 'region_codes', 'id', 'code'); -- region names
