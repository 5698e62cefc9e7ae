-- Rate-limit counters shared by the API replicas (docs/decisions/0032-shared-rate-limits.md): each replica reserves
-- permits here in blocks and admits requests from its block in memory; every RateLimits:SyncMilliseconds it reads
-- back the totals and hands back the blocks it no longer uses. A lone replica counts in memory and adds its counts
-- here at each exchange. Unlogged: counters change several times a second and are worth nothing after a crash or on
-- a promoted standby (they start again from zero, as they did when they lived in each process). Not tracked: they
-- change no answer of a read.
create unlogged table rate_limit_counters (
    scope         text        not null,
    budget        text        not null,
    client        text        not null,
    window_number bigint      not null,
    used          integer     not null,
    -- The end of the window: the row is worthless after it.
    expires_at    timestamptz not null,
    primary key (scope, budget, client, window_number)
);
create index rate_limit_counters_expiry on rate_limit_counters (expires_at);

-- Which replicas are counting, so that each one takes only its share of what is left of a budget before asking.
create unlogged table rate_limit_replicas (
    scope   text        not null,
    replica uuid        not null,
    seen_at timestamptz not null,
    primary key (scope, replica)
);

-- One exchange of a replica: adds what it counted (delta, negative when it hands back a reservation), reserves up to
-- `want` more permits within the quota, and answers each counter's total and the permits granted. Rows are locked in
-- key order, so two replicas exchanging the same counters cannot deadlock.
create function rate_limit_exchange(
    p_scope text, p_budgets text[], p_clients text[], p_windows bigint[], p_deltas integer[], p_wants integer[],
    p_quotas integer[], p_expires timestamptz[])
returns table (item integer, total integer, granted integer) language plpgsql as $$
declare
    r record;
    before integer;
    g integer;
begin
    for r in
        select * from unnest(p_budgets, p_clients, p_windows, p_deltas, p_wants, p_quotas, p_expires) with ordinality
            as w (budget, client, window_number, delta, want, quota, expires_at, item)
        order by budget, client, window_number
    loop
        if r.delta = 0 and r.want = 0 then
            select c.used into before from rate_limit_counters c
            where c.scope = p_scope and c.budget = r.budget and c.client = r.client and c.window_number = r.window_number;
            item := r.item; total := coalesce(before, 0); granted := 0;
            return next;
            continue;
        end if;
        insert into rate_limit_counters (scope, budget, client, window_number, used, expires_at)
        values (p_scope, r.budget, r.client, r.window_number, 0, r.expires_at)
        on conflict do nothing;
        select c.used into before from rate_limit_counters c
        where c.scope = p_scope and c.budget = r.budget and c.client = r.client and c.window_number = r.window_number
        for update;
        g := least(r.want, greatest(r.quota - before - r.delta, 0));
        update rate_limit_counters c set used = before + r.delta + g
        where c.scope = p_scope and c.budget = r.budget and c.client = r.client and c.window_number = r.window_number;
        item := r.item; total := before + r.delta + g; granted := g;
        return next;
    end loop;
end
$$;
