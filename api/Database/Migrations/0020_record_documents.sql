-- The item representation of records as the API last answered it (docs/decisions/0034-record-documents.md): the
-- JSON body of the record's GET, its ETag and the headers its read set, kept for the record's change_seq. Every write
-- of the record, and every change of a row it embeds, moves its change_seq on in the same commit (0001, 0015), so a
-- document is served only while the record's change_seq is still the one it was computed at; anything else computes
-- the read again and replaces it. `build` names the API build that wrote the body: another build may represent the
-- record differently.
--
-- Derived data, not data: no data-version or feed triggers (storing a document changes no answer), not in the dumps,
-- and a lost or deleted row is only computed again. Logged, so that standbys, which serve reads, have it too.
create table record_documents (
    collection text   not null,
    id         text   not null,
    change_seq bigint not null,
    build      text   not null,
    etag       text   not null,
    -- name, value, name, value…
    headers    text[] not null,
    body       bytea  not null,
    primary key (collection, id)
);

-- A deleted record's document goes with it (its tombstone is written in the deleting transaction, 0008). A record
-- created again under the same id takes a new change_seq anyway: this only keeps the table to the records there are.
create function forget_record_document() returns trigger language plpgsql as $$
begin
    delete from record_documents where collection = new.entity and id = new.id;
    return null;
end
$$;
create trigger tombstones_forget_record_document after insert or update on tombstones
    for each row execute function forget_record_document();
