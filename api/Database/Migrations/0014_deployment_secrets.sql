-- Secrets this deployment makes for itself and every instance shares: the key that signs list cursors when
-- Paging:CursorKey is not configured (docs/decisions/0020-input-limits.md). Kept in the database so that replicas
-- agree (a cursor made by one is good on another, and a page has the same bytes everywhere, as its strong ETag
-- promises) and so that the local default mode keeps it with its data.
create table deployment_secrets (
    name text primary key,
    value bytea not null check (length(value) >= 32),
    created_at timestamptz not null default now()
);
