-- API keys get scopes, an optional expiry, their last use and a bootstrap mark (docs/decisions/0024).
-- The table stays out of the data version: creating, using or revoking a key changes no answer of a read.
alter table api_keys
    add column scopes       text[]      not null default '{}',
    add column expires_at   timestamptz,
    add column last_used_at timestamptz,
    add column bootstrap    boolean     not null default false;

-- Every key made before scopes existed could write anything: each keeps that power as admin. Only the
-- configured key was ever registered, under this name.
update api_keys set scopes = '{admin}', bootstrap = (name = 'bootstrap');

