-- Reads that cost one cheap round trip: data derived from other rows are kept at write time, and every sort and
-- filter a list allows has an index that serves it. See docs/decisions/0018-derived-read-data.md.

-- A territory's predecessors and successors: the territories of the other phase that share communes with it,
-- with how many. Both directions are stored, so a territory's links are one index range. No foreign keys: the
-- links of a deleted territory go when its communes do, like any other change of communes (below).
create table territory_links (
    territory_id    text    not null,
    linked_id       text    not null,
    shared_communes integer not null check (shared_communes > 0),
    primary key (territory_id, linked_id)
);

-- A link depends only on the commune sets and phases of its two territories: the links of every territory whose
-- communes or phase changed are computed again from territory_communes, whatever wrote them (the API, the
-- seeders, a direct session). Two transactions changing communes that the same link counts must not each
-- compute without the other's communes: the computation waits for the commit (a deferred trigger) and runs
-- under a transaction-scoped advisory lock, so each computes from the communes of every transaction committed
-- before it. A transaction that is still open holds no lock, and blocks no other writer.
create function refresh_territory_links(changed text[]) returns void language plpgsql as $$
begin
    if cardinality(changed) = 0 then return; end if;
    perform pg_advisory_xact_lock(hashtext('territory_links'));
    delete from territory_links where territory_id = any(changed) or linked_id = any(changed);
    -- A pair of two changed territories is counted from both sides: union keeps it once.
    insert into territory_links (territory_id, linked_id, shared_communes)
    with counted as (
        select mine.territory_id as a, theirs.territory_id as b, count(*)::int as n
        from territory_communes mine
        join territory_communes theirs on theirs.insee_code = mine.insee_code
        join territories self on self.id = mine.territory_id
        join territories other on other.id = theirs.territory_id and other.phase <> self.phase
        where mine.territory_id = any(changed)
        group by 1, 2)
    select a, b, n from counted union select b, a, n from counted
    on conflict (territory_id, linked_id) do update set shared_communes = excluded.shared_communes;
end
$$;

-- The territories whose links the writing transaction changed; its rows never outlive it.
create table territory_links_pending (territory_id text not null);

create function queue_territory_links(changed text[]) returns void language plpgsql as $$
begin
    if cardinality(changed) > 0 then
        insert into territory_links_pending (territory_id) select unnest(changed);
    end if;
end
$$;

-- At commit: the first queued row computes the links of all of them; the others find none left.
create function refresh_pending_territory_links() returns trigger language plpgsql as $$
declare
    changed text[];
begin
    with taken as (delete from territory_links_pending returning territory_id)
    select array_agg(distinct territory_id) into changed from taken;
    if changed is not null then perform refresh_territory_links(changed); end if;
    return null;
end
$$;
create constraint trigger territory_links_at_commit after insert on territory_links_pending
    deferrable initially deferred for each row execute function refresh_pending_territory_links();

create function territory_communes_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform queue_territory_links(array(select distinct territory_id from new_rows));
    elsif tg_op = 'DELETE' then
        perform queue_territory_links(array(select distinct territory_id from old_rows));
    else
        -- An update that only renames communes changes no link.
        perform queue_territory_links(array(
            select territory_id from ((select territory_id, insee_code from old_rows except select territory_id, insee_code from new_rows)
                                      union all
                                      (select territory_id, insee_code from new_rows except select territory_id, insee_code from old_rows)) moved
            group by territory_id));
    end if;
    return null;
end
$$;

create trigger territory_communes_inserted after insert on territory_communes
    referencing new table as new_rows for each statement execute function territory_communes_changed();
create trigger territory_communes_deleted after delete on territory_communes
    referencing old table as old_rows for each statement execute function territory_communes_changed();
create trigger territory_communes_updated after update on territory_communes
    referencing old table as old_rows new table as new_rows for each statement execute function territory_communes_changed();

create function territory_communes_truncated() returns trigger language plpgsql as $$
begin
    delete from territory_links;
    return null;
end
$$;
create trigger territory_communes_truncated after truncate on territory_communes
    for each statement execute function territory_communes_truncated();

create function territory_phases_changed() returns trigger language plpgsql as $$
begin
    perform queue_territory_links(array(
        select n.id from new_rows n join old_rows o on o.id = n.id where n.phase is distinct from o.phase));
    return null;
end
$$;
create trigger territories_phase_changed after update on territories
    referencing old table as old_rows new table as new_rows for each statement execute function territory_phases_changed();

select refresh_territory_links(array(select id from territories));

-- Indexes for every sort key a list allows (with the id that breaks ties) and every filter it takes. Sort keys
-- that are expressions (an unknown value sorting as '' or 0) are indexed as those expressions.
-- Changed since (updatedSince) and sort=updatedAt: (updated_at, id) replaces (updated_at).
drop index territories_updated_at, resources_updated_at, actors_updated_at, sessions_updated_at,
           projects_updated_at, figures_updated_at, sources_updated_at;

create index territories_updated_at on territories (updated_at, id);
create index territories_name on territories (name, id);
create index territories_code on territories (code, id);
create index territories_phase on territories (phase, id);
create index territories_commune_count on territories (commune_count, id);
create index territories_studied on territories (studied, id);

-- Lowercased tags, for tag= (which ignores case).
create function lower_tags(text[]) returns text[] language sql immutable strict parallel safe as $$
    select array(select lower(t) from unnest($1) as t)
$$;

create index resources_updated_at on resources (updated_at, id);
create index resources_name on resources (name, id);
create index resources_kind on resources (kind, id);
drop index resources_territory_id;
create index resources_territory_id on resources (territory_id, id);
create index resources_tags on resources using gin (lower_tags(tags));

create index actors_updated_at on actors (updated_at, id);
create index actors_name on actors (name, id);
create index actors_type on actors (type, id);
create index actors_category on actors (category, id);
-- A territory's actors in id order (the primary key serves the other side).
drop index actor_territories_territory_id;
create index actor_territories_territory_id on actor_territories (territory_id, actor_id);

create index projects_updated_at on projects (updated_at, id);
create index projects_name on projects (name, id);
drop index projects_territory_id;
create index projects_territory_id on projects (territory_id, id);
create index projects_status on projects ((coalesce(status, '')), id);
create index projects_year on projects ((coalesce(year, 0)), id);

create index sessions_updated_at on sessions (updated_at, id);
create index sessions_number on sessions ((coalesce(number, 2147483647)), id);
create index sessions_date_order on sessions ((coalesce(date, 'infinity'::date)), id);
create index sessions_date on sessions (date);
create index sessions_title on sessions (title, id);
create index sessions_format on sessions (format, id);

create index figures_updated_at on figures (updated_at, id);
create index figures_label on figures (label, id);
drop index figures_territory_id;
create index figures_territory_id on figures (territory_id, id);
create index figures_reference_date on figures ((coalesce(reference_date, '')), id);

create index sources_updated_at on sources (updated_at, id);
create index sources_title on sources ((coalesce(title, '')), id);
create index sources_publisher on sources ((coalesce(publisher, '')), id);
create index sources_seen_on on sources ((coalesce(seen_on, date '0001-01-01')), id);

-- The links are answers too: their changes move the data version on (migration 0009), like every table's.
select track_data_version('territory_links');
