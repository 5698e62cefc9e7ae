-- The knowledge base's tables in the change feed (ordered by transaction, then sequence) and in the
-- time of the last change that conditional reads send as Last-Modified.
create index resources_change on resources (change_txid, change_seq);
create index actors_change on actors (change_txid, change_seq);
create index sessions_change on sessions (change_txid, change_seq);
create index projects_change on projects (change_txid, change_seq);
create index figures_change on figures (change_txid, change_seq);
create index sources_change on sources (change_txid, change_seq);

create index resources_updated_at on resources (updated_at);
create index actors_updated_at on actors (updated_at);
create index sessions_updated_at on sessions (updated_at);
create index projects_updated_at on projects (updated_at);
create index figures_updated_at on figures (updated_at);
create index sources_updated_at on sources (updated_at);

create or replace function last_data_change() returns timestamptz language sql stable as $$
    select greatest(
        (select max(updated_at) from territories),
        (select max(updated_at) from resources),
        (select max(updated_at) from actors),
        (select max(updated_at) from sessions),
        (select max(updated_at) from projects),
        (select max(updated_at) from figures),
        (select max(updated_at) from sources),
        (select max(deleted_at) from tombstones))
$$;
