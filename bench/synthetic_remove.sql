-- Removes the synthetic actors of bench/synthetic.sql (their territory links go with them), and the tombstones
-- their deletion leaves: benchmark data leave no trace in the change feed.
--
--   psql -f bench/synthetic_remove.sql "$connection"
begin;
delete from actors where id like 'synthetic-%' or id like 'person-synthetic%';
delete from tombstones where entity = 'actors' and (id like 'synthetic-%' or id like 'person-synthetic%');
commit;

analyze actors;
analyze actor_territories;
