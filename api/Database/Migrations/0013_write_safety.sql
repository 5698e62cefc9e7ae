-- Idempotent creates: the first answer to a POST with an Idempotency-Key, per API key. A row is inserted in the
-- transaction of the create it answers, so the record and its key commit together or not at all.
create table idempotency_keys (
    api_key      text        not null,
    key          text        not null,
    request_hash bytea       not null,
    status       integer     not null,
    location     text,
    body         text        not null,
    created_at   timestamptz not null default now(),
    primary key (api_key, key)
);

create index idempotency_keys_created_at on idempotency_keys (created_at);

-- The audit trail: one row per write, inserted in the write's own transaction. Who (the key's id and name, never
-- its secret), when, what, and the record as the API showed it before and after.
create table audit_log (
    seq         bigint generated always as identity primary key,
    at          timestamptz not null default now(),
    key_id      text,
    key_name    text,
    operation   text        not null check (operation in ('create', 'replace', 'delete')),
    collection  text        not null,
    record_id   text        not null,
    before      jsonb,
    after       jsonb,
    trace_id    text
);

create index audit_log_record on audit_log (collection, record_id, seq);
create index audit_log_key on audit_log (key_id, seq);
create index audit_log_at on audit_log (at, seq);

-- A person's fields wherever a document shows them: the person itself or a reference to it ({id, name, type}).
-- Used when a person is deleted, so that the audit keeps no personal data of theirs.
create function redact_person(doc jsonb, person text) returns jsonb language plpgsql immutable as $$
declare
    result jsonb;
begin
    case jsonb_typeof(doc)
    when 'object' then
        select coalesce(jsonb_object_agg(key, redact_person(value, person)), '{}') into result from jsonb_each(doc);
        if result->>'id' = person and result->>'type' = 'person' then
            select result || coalesce(jsonb_object_agg(key, to_jsonb('[redacted]'::text)), '{}') into result
            from jsonb_each(result)
            where key in ('name', 'role', 'organisation', 'website') and value <> 'null'::jsonb;
        end if;
        return result;
    when 'array' then
        return (select coalesce(jsonb_agg(redact_person(element, person) order by n), '[]')
                from jsonb_array_elements(doc) with ordinality as e(element, n));
    else
        return doc;
    end case;
end
$$;

-- As every table (0009): their changes move the data version on, though no cached read shows them.
select track_data_version('idempotency_keys');
select track_data_version('audit_log');
