-- Webhooks (docs/decisions/0030-webhooks.md): endpoints that API keys register, an outbox written by every
-- transaction that changes data, the notifications waiting for each endpoint and the attempts made to deliver them.
-- None of these tables is tracked by the data version: they change no answer of a read, and the worker's own
-- writes must not feed the outbox.
create table webhook_endpoints (
    id              bigint generated always as identity primary key,
    key_id          bigint      not null references api_keys (id),
    url             text        not null,
    collections     text[]      not null,
    -- Needed in clear to sign each notification (HMAC), so it cannot be stored hashed like the API keys.
    secret          text        not null,
    created_at      timestamptz not null default now(),
    disabled_at     timestamptz,
    disabled_reason text
);
create index webhook_endpoints_key on webhook_endpoints (key_id, id);

-- One row per committed transaction that changed data while an endpoint was enabled. Written at the commit by the
-- data version's trigger, inside the transaction: a rolled-back write leaves none, a committed one cannot lose it.
-- The changes themselves are read from the feed (change_txid) when the row is turned into notifications.
create table webhook_outbox (
    txid        xid8        primary key,
    recorded_at timestamptz not null default now()
);

-- The notifications of each endpoint, delivered in id order, each deleted once its endpoint accepted it.
create table webhook_deliveries (
    id              bigint generated always as identity primary key,
    endpoint_id     bigint      not null references webhook_endpoints (id) on delete cascade,
    message_id      text        not null,
    payload         text        not null,
    created_at      timestamptz not null default now(),
    attempts        integer     not null default 0,
    first_failed_at timestamptz,
    next_attempt_at timestamptz not null default now()
);
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, id);

create table webhook_attempts (
    id           bigint generated always as identity primary key,
    endpoint_id  bigint      not null references webhook_endpoints (id) on delete cascade,
    message_id   text        not null,
    attempted_at timestamptz not null,
    status       integer,
    error        text,
    duration_ms  integer     not null,
    delivered    boolean     not null
);
create index webhook_attempts_endpoint on webhook_attempts (endpoint_id, id);

-- The transaction is recorded in the outbox when some endpoint may want to hear of it. The data version row is
-- updated once per writing transaction, at its commit (0009, deferred triggers): the outbox costs one insert per
-- committed write, none at all while no endpoint is enabled, and a rolled-back write leaves nothing.
create function record_webhook_outbox() returns trigger language plpgsql as $$
begin
    if exists (select 1 from webhook_endpoints where disabled_at is null) then
        insert into webhook_outbox (txid) values (pg_current_xact_id()) on conflict do nothing;
    end if;
    return null;
end
$$;
create trigger data_version_webhook_outbox after update on data_version for each row execute function record_webhook_outbox();
