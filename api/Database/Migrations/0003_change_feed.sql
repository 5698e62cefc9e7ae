-- The change feed (GET /v1/changes) reads every entity table and the tombstones in (change_txid, change_seq)
-- order, from the position of a partner's token: one index per table keeps each page a short index scan.
create index territories_change on territories (change_txid, change_seq);
create index tombstones_change on tombstones (change_txid, change_seq);
