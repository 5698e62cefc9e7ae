-- A predecessor or successor link keeps the commune counts of both its territories beside the communes they share,
-- so a read can say what share of each the link rests on: a real succession shares most of both, a link resting on
-- one commune a sliver. The counts are computed with the link, from the same communes, whenever either side's
-- communes or phase change (0010): a link is always rewritten with its two territories' current counts.
alter table territory_links
    add column territory_communes integer,
    add column linked_communes integer;

create or replace function refresh_territory_links(changed text[]) returns void language plpgsql as $$
begin
    if cardinality(changed) = 0 then return; end if;
    perform pg_advisory_xact_lock(hashtext('territory_links'));
    delete from territory_links where territory_id = any(changed) or linked_id = any(changed);
    -- A pair of two changed territories is counted from both sides: union keeps it once.
    insert into territory_links (territory_id, linked_id, shared_communes, territory_communes, linked_communes)
    with counted as (
        select mine.territory_id as a, theirs.territory_id as b, count(*)::int as n
        from territory_communes mine
        join territory_communes theirs on theirs.insee_code = mine.insee_code
        join territories self on self.id = mine.territory_id
        join territories other on other.id = theirs.territory_id and other.phase <> self.phase
        where mine.territory_id = any(changed)
        group by 1, 2),
    sizes as (
        select c.territory_id, count(*)::int as n
        from territory_communes c
        where c.territory_id in (select a from counted union select b from counted)
        group by 1)
    select a, b, counted.n, sa.n, sb.n from counted join sizes sa on sa.territory_id = a join sizes sb on sb.territory_id = b
    union
    select b, a, counted.n, sb.n, sa.n from counted join sizes sa on sa.territory_id = a join sizes sb on sb.territory_id = b
    on conflict (territory_id, linked_id) do update
        set shared_communes = excluded.shared_communes, territory_communes = excluded.territory_communes, linked_communes = excluded.linked_communes;
end
$$;

select refresh_territory_links(array(select id from territories));

alter table territory_links
    alter column territory_communes set not null,
    alter column linked_communes set not null,
    add constraint territory_links_shares check (shared_communes <= territory_communes and shared_communes <= linked_communes);
