-- The time of the last change of any data is now composed by the API from its registered collections
-- (see docs/decisions/0016-collection-registry.md): a new collection no longer redefines a function here.
drop function last_data_change();
