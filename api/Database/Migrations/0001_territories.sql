-- Foundation: change tracking shared by every entity table, API keys, regions and territories.

-- Every entity row carries created_at, updated_at, a row version (ETags, optimistic concurrency)
-- and the transaction id plus a global sequence number of its last change (incremental sync).
create sequence change_seq;

create function track_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        new.created_at := now();
        new.version := 1;
    else
        new.created_at := old.created_at;
        new.version := old.version + 1;
    end if;
    new.updated_at := now();
    new.change_txid := pg_current_xact_id();
    new.change_seq := nextval('change_seq');
    return new;
end
$$;

-- Deleted entities leave a tombstone (no other data) so that partners syncing incrementally learn of them.
create table tombstones (
    entity      text        not null,
    id          text        not null,
    deleted_at  timestamptz not null default clock_timestamp(),
    change_txid xid8        not null default pg_current_xact_id(),
    change_seq  bigint      not null default nextval('change_seq'),
    primary key (entity, id)
);

create table api_keys (
    id         bigint generated always as identity primary key,
    name       text        not null,
    key_hash   bytea       not null unique,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
);

create table regions (
    code text primary key,
    name text not null
);

create table territories (
    id               text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    phase            text not null check (phase in ('2018-2022', '2023-2027')),
    code             text not null,
    name             text not null,
    region_codes     text[] not null,
    department_codes text[] not null,
    commune_count    integer not null default 0,
    population       integer,
    latitude         double precision check (latitude between -90 and 90),
    longitude        double precision check (longitude between -180 and 180),
    studied          boolean not null default false,
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    version          bigint not null,
    change_txid      xid8 not null,
    change_seq       bigint not null,
    unique (phase, code)
);
create trigger territories_track_change before insert or update on territories
    for each row execute function track_change();

-- Member groupings: EPCI (and EPT, or single communes in 2023-2027), by SIREN.
create table territory_groupings (
    territory_id text not null references territories (id) on delete cascade,
    siren        text not null,
    name         text not null,
    kind         text,
    primary key (territory_id, siren)
);

create table territory_communes (
    territory_id text not null references territories (id) on delete cascade,
    insee_code   text not null,
    name         text not null,
    primary key (territory_id, insee_code)
);
create index territory_communes_insee_code on territory_communes (insee_code);
