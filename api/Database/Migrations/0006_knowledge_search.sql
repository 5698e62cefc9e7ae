-- French full-text search on the knowledge base (configuration 'observatoire' of 0004: French, accents folded).
-- Weights: A for names and titles, B for roles and labels, C for descriptions, tags and the rest.
create function search_words(text[]) returns text language sql immutable parallel safe as $$
    select array_to_string($1, ' ')
$$;

alter table resources add column search tsvector generated always as (
    setweight(to_tsvector('observatoire', name), 'A') ||
    setweight(to_tsvector('observatoire', coalesce(description, '') || ' ' || search_words(tags)), 'C')) stored;
alter table actors add column search tsvector generated always as (
    setweight(to_tsvector('observatoire', name), 'A') ||
    setweight(to_tsvector('observatoire', coalesce(role, '') || ' ' || coalesce(organisation, '')), 'B')) stored;
alter table projects add column search tsvector generated always as (
    setweight(to_tsvector('observatoire', name), 'A') ||
    setweight(to_tsvector('observatoire', coalesce(description, '') || ' ' || coalesce(status, '')), 'C')) stored;
alter table sessions add column search tsvector generated always as (
    setweight(to_tsvector('observatoire', title), 'A') ||
    setweight(to_tsvector('observatoire', coalesce(location, '') || ' ' || coalesce(note, '')), 'C')) stored;
alter table figures add column search tsvector generated always as (
    setweight(to_tsvector('observatoire', label), 'A') ||
    setweight(to_tsvector('observatoire', value_text || ' ' || coalesce(unit, '')), 'C')) stored;
alter table sources add column search tsvector generated always as (
    setweight(to_tsvector('observatoire', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('observatoire', coalesce(publisher, '') || ' ' || url), 'C')) stored;

create index resources_search on resources using gin (search);
create index actors_search on actors using gin (search);
create index projects_search on projects using gin (search);
create index sessions_search on sessions using gin (search);
create index figures_search on figures using gin (search);
create index sources_search on sources using gin (search);
