-- Support for conditional reads: the time of the last change of any data, read with each cacheable GET.
create index territories_updated_at on territories (updated_at);
create index tombstones_deleted_at on tombstones (deleted_at);

-- Redefined by each migration that adds an entity table.
create or replace function last_data_change() returns timestamptz language sql stable as $$
    select greatest(
        (select max(updated_at) from territories),
        (select max(deleted_at) from tombstones))
$$;

-- French full-text search, case- and accent-insensitive: the french configuration with accents folded first.
create extension if not exists unaccent;
create text search configuration observatoire (copy = french);
alter text search configuration observatoire
    alter mapping for hword, hword_part, word with unaccent, french_stem;

alter table territories
    add column search tsvector generated always as (to_tsvector('observatoire', name || ' ' || code)) stored;
create index territories_search on territories using gin (search);
create index territories_region_codes on territories using gin (region_codes);
create index territories_department_codes on territories using gin (department_codes);
create index territory_groupings_siren on territory_groupings (siren);

-- Perimeters for maps (GeoJSON geometry, WGS 84), owned by their territory.
create table territory_contours (
    territory_id text primary key references territories (id) on delete cascade,
    geometry     jsonb not null check (geometry ->> 'type' in ('Polygon', 'MultiPolygon'))
);
