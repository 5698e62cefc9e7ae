-- The observatory's knowledge base: sources, actors, resources, projects, sessions and key figures,
-- with the many-to-many links between them and the territories.
--
-- Two kinds of foreign keys:
--   * a link owned by a record (its sources, an actor's territories, a session's links and speakers)
--     goes with the record: on delete cascade on the owner's side;
--   * a reference to another record (a resource's territory, a speaker's actor, a cited source)
--     prevents that record's deletion: on delete restrict. The API answers 409 and lists what
--     refers to the record.
-- Ids are stable URL-safe slugs, as for territories.

create table sources (
    id          text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(id) <= 80),
    url         text not null,
    title       text,
    publisher   text,
    seen_on     date,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    version     bigint not null,
    change_txid xid8 not null,
    change_seq  bigint not null
);
create trigger sources_track_change before insert or update on sources
    for each row execute function track_change();

-- Organisations and people in their public role. A person has no website and no contact details,
-- and an opaque id ("person-…") that never carries the name: the tombstone of a deleted person
-- keeps no personal data.
create table actors (
    id           text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(id) <= 80),
    type         text not null check (type in ('organisation', 'person')),
    category     text not null check (category in ('elected_official', 'company', 'project_lead', 'public_agency',
                                                   'cluster_or_association', 'research_and_training', 'financial_body', 'other')),
    name         text not null,
    role         text,
    organisation text,
    website      text,
    created_at   timestamptz not null,
    updated_at   timestamptz not null,
    version      bigint not null,
    change_txid  xid8 not null,
    change_seq   bigint not null,
    check (type = 'organisation' or (website is null and id ~ '^person-[a-z0-9]+$'))
);
create trigger actors_track_change before insert or update on actors
    for each row execute function track_change();

create table actor_territories (
    actor_id     text not null references actors (id) on delete cascade,
    territory_id text not null references territories (id) on delete restrict,
    primary key (actor_id, territory_id)
);
create index actor_territories_territory_id on actor_territories (territory_id);

-- Ressources territoriales: what a territory mobilises.
create table resources (
    id           text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(id) <= 80),
    kind         text not null check (kind in ('natural', 'material', 'immaterial', 'human', 'financial', 'network')),
    name         text not null,
    description  text,
    territory_id text not null references territories (id) on delete restrict,
    tags         text[] not null default '{}',
    created_at   timestamptz not null,
    updated_at   timestamptz not null,
    version      bigint not null,
    change_txid  xid8 not null,
    change_seq   bigint not null
);
create trigger resources_track_change before insert or update on resources
    for each row execute function track_change();
create index resources_territory_id on resources (territory_id);

-- The actors that carry a resource.
create table resource_actors (
    resource_id text not null references resources (id) on delete cascade,
    actor_id    text not null references actors (id) on delete restrict,
    primary key (resource_id, actor_id)
);
create index resource_actors_actor_id on resource_actors (actor_id);

-- Projets de territoire: the shared projects through which actors combine resources.
create table projects (
    id           text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(id) <= 80),
    name         text not null,
    territory_id text not null references territories (id) on delete restrict,
    description  text,
    status       text,
    year         integer check (year between 1000 and 9999),
    created_at   timestamptz not null,
    updated_at   timestamptz not null,
    version      bigint not null,
    change_txid  xid8 not null,
    change_seq   bigint not null
);
create trigger projects_track_change before insert or update on projects
    for each row execute function track_change();
create index projects_territory_id on projects (territory_id);

create table project_resources (
    project_id  text not null references projects (id) on delete cascade,
    resource_id text not null references resources (id) on delete restrict,
    primary key (project_id, resource_id)
);
create index project_resources_resource_id on project_resources (resource_id);

create table project_actors (
    project_id text not null references projects (id) on delete cascade,
    actor_id   text not null references actors (id) on delete restrict,
    primary key (project_id, actor_id)
);
create index project_actors_actor_id on project_actors (actor_id);

-- Séances de l'observatoire. The date is a calendar date (no time, no time zone). When only the
-- month (or the year) is known, the date is the first day of that month (year) and date_precision
-- says so.
create table sessions (
    id               text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(id) <= 80),
    number           integer unique check (number > 0),
    date             date,
    date_precision   text check (date_precision in ('day', 'month', 'year')),
    title            text not null,
    format           text not null check (format in ('inaugural', 'territorial', 'thematic')),
    territory_id     text references territories (id) on delete restrict,
    partner_actor_id text references actors (id) on delete restrict,
    location         text,
    note             text,
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    version          bigint not null,
    change_txid      xid8 not null,
    change_seq       bigint not null,
    check ((date is null) = (date_precision is null)),
    check (date_precision is distinct from 'month' or extract(day from date) = 1),
    check (date_precision is distinct from 'year' or (extract(day from date) = 1 and extract(month from date) = 1))
);
create trigger sessions_track_change before insert or update on sessions
    for each row execute function track_change();
create index sessions_territory_id on sessions (territory_id);
create index sessions_partner_actor_id on sessions (partner_actor_id);

-- A session's documents, in order. A document without a public URL yet keeps url null.
create table session_links (
    session_id text not null references sessions (id) on delete cascade,
    position   integer not null,
    kind       text not null check (kind in ('presentation', 'report', 'video', 'minutes')),
    url        text,
    title      text,
    primary key (session_id, position)
);

-- A session's speakers, in order, with the role they spoke in.
create table session_speakers (
    session_id text not null references sessions (id) on delete cascade,
    actor_id   text not null references actors (id) on delete restrict,
    role       text,
    position   integer not null,
    primary key (session_id, actor_id)
);
create index session_speakers_actor_id on session_speakers (actor_id);

-- Key figures on a territory, as the source states them. reference_date is the date the figure
-- refers to, at the precision the source gives: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'.
create table figures (
    id             text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(id) <= 80),
    territory_id   text not null references territories (id) on delete restrict,
    label          text not null,
    value_text     text not null,
    value_numeric  numeric,
    unit           text,
    reference_date text check (reference_date ~ '^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$'),
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    version        bigint not null,
    change_txid    xid8 not null,
    change_seq     bigint not null
);
create trigger figures_track_change before insert or update on figures
    for each row execute function track_change();
create index figures_territory_id on figures (territory_id);
comment on column figures.reference_date is 'The date the figure refers to, as precise as the source: YYYY, YYYY-MM or YYYY-MM-DD.';

-- The sources each record cites. The link belongs to the citing record; a cited source cannot be deleted.
create table territory_sources (
    territory_id text not null references territories (id) on delete cascade,
    source_id    text not null references sources (id) on delete restrict,
    primary key (territory_id, source_id)
);
create index territory_sources_source_id on territory_sources (source_id);

create table actor_sources (
    actor_id  text not null references actors (id) on delete cascade,
    source_id text not null references sources (id) on delete restrict,
    primary key (actor_id, source_id)
);
create index actor_sources_source_id on actor_sources (source_id);

create table resource_sources (
    resource_id text not null references resources (id) on delete cascade,
    source_id   text not null references sources (id) on delete restrict,
    primary key (resource_id, source_id)
);
create index resource_sources_source_id on resource_sources (source_id);

create table project_sources (
    project_id text not null references projects (id) on delete cascade,
    source_id  text not null references sources (id) on delete restrict,
    primary key (project_id, source_id)
);
create index project_sources_source_id on project_sources (source_id);

create table session_sources (
    session_id text not null references sessions (id) on delete cascade,
    source_id  text not null references sources (id) on delete restrict,
    primary key (session_id, source_id)
);
create index session_sources_source_id on session_sources (source_id);

create table figure_sources (
    figure_id text not null references figures (id) on delete cascade,
    source_id text not null references sources (id) on delete restrict,
    primary key (figure_id, source_id)
);
create index figure_sources_source_id on figure_sources (source_id);
