-- Synthetic actors for measuring lists at scale: N actors (default 1,000,000), half organisations and half
-- persons, every category, each linked to one territory (in turn), so that a territory's actors grow with N.
-- They are marked as benchmark data: ids 'synthetic-N' (organisations) and 'person-syntheticN' (persons, whose
-- ids must start with 'person-'), names 'Synthetic actor N W (benchmark data)', where W is N written with the letters
-- b c d f g h j k l m for the digits 0-9 over seven places (642: bbbbjgd), a word that only that actor has, so a
-- search for it matches one actor at every size. Remove them with
-- bench/synthetic_remove.sql. Never load them into a database that partners sync from. Rows 1..n exist afterwards:
-- running it again with a larger n adds only the missing ones.
--
--   psql -v n=1000000 -f bench/synthetic.sql "$connection"
\set ON_ERROR_STOP on
\if :{?n}
\else
\set n 1000000
\endif

-- One statement: the actors and their territory links; the foreign keys are checked at its end.
with numbers as (
    select g, case when g % 2 = 0 then 'person-synthetic' || g else 'synthetic-' || g end as id
    from generate_series(1, :n) as g
), territory_ids as (
    select array_agg(id order by id) as ids from territories
), actors_added as (
    insert into actors (id, type, category, name)
    select n.id,
           case when n.g % 2 = 0 then 'person' else 'organisation' end,
           (array['elected_official', 'company', 'project_lead', 'public_agency', 'cluster_or_association',
                  'research_and_training', 'financial_body', 'other'])[1 + n.g % 8],
           'Synthetic actor ' || n.g || ' ' || translate(lpad(n.g::text, 7, '0'), '0123456789', 'bcdfghjklm') || ' (benchmark data)'
    from numbers n
    on conflict (id) do nothing
    returning id
)
insert into actor_territories (actor_id, territory_id)
select n.id, t.ids[1 + n.g % cardinality(t.ids)]
from numbers n join actors_added a on a.id = n.id, territory_ids t;

analyze actors;
analyze actor_territories;
