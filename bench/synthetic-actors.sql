-- Synthetic actors for the growth measurements, marked as such: organisations are "synthetic-N", persons
-- "person-syntheticN" (a person's id is always person-…), every name is "Synthetic actor N (benchmark data)".
-- Rows 1..count exist afterwards: running it again with a larger count adds only the missing ones.
--   psql -v count=1000 -f bench/synthetic-actors.sql
-- Remove them with:
--   delete from actors where name like 'Synthetic actor % (benchmark data)';
\set ON_ERROR_STOP on
insert into actors (id, type, category, name, role, organisation, website)
select case when n % 4 = 0 then 'person-synthetic' || n else 'synthetic-' || n end,
       case when n % 4 = 0 then 'person' else 'organisation' end,
       (array['elected_official', 'company', 'project_lead', 'public_agency', 'cluster_or_association',
              'research_and_training', 'financial_body', 'other'])[1 + n % 8],
       'Synthetic actor ' || n || ' (benchmark data)',
       (array['chargée de mission', 'directeur', 'présidente', 'responsable industrie', 'développeur économique'])[1 + n % 5],
       case when n % 4 = 0 then null else 'Organisation de synthèse' end,
       null
from generate_series(1, :count) as n
on conflict (id) do nothing;
analyze actors;
