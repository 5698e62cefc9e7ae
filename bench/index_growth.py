#!/usr/bin/env python3
"""The hot list paths of /v1/actors at two sizes: EXPLAIN ANALYZE of each query, the plan's scans and the
median execution time, as a Markdown table.

    python3 bench/index_growth.py SMALL LARGE [runs]

SMALL and LARGE are libpq connection strings of two copies of the same database, loaded with
bench/synthetic.sql at two sizes (e.g. n=1000 and n=1000000). The queries are the lists' SQL with only the
filters given (plain predicates, keyset cursor behind its leading bound), with the values a client would send.
Run it on scratch databases only: it first rewrites 20 real actors (their version moves) so that updatedSince
has recent changes to find, as a partner's incremental sync would.
"""
import json
import statistics
import subprocess
import sys

COLUMNS = """a.id, a.type, a.category, a.name, a.role, a.organisation, a.website, a.updated_at, a.version,
    coalesce(ts_rank(a.search, to_tsquery('observatoire', {q})), 0) as rank"""

def select(where="true", order="a.id asc", q="null::text"):
    return f"select {COLUMNS.format(q=q)} from actors a where {where} order by {order} limit 51"

AFTER_NAME = "a.name >= {k0} and ((a.name > {k0}) or (a.name = {k0} and a.id > {k1}))"
AFTER_ID = "a.id >= {k1} and (a.id > {k1})"
IN_TERRITORY = "exists (select 1 from actor_territories t where t.actor_id = a.id and t.territory_id = {territory})"

QUERIES = [
    ("sort=name", select(order="a.name asc, a.id asc")),
    ("sort=-name", select(order="a.name desc, a.id asc")),
    ("type=person", select(where="a.type = 'person'")),
    ("type=person&sort=name", select(where="a.type = 'person'", order="a.name asc, a.id asc")),
    ("category=company", select(where="a.category = 'company'")),
    ("q=agence (sort: relevance)", select(where="a.search @@ to_tsquery('observatoire', 'agence:*')",
                                          order="rank desc, a.id asc", q="'agence:*'")),
    ("updatedSince (the 20 latest changes)", select(where="a.updated_at > {since}")),
    ("updatedSince&sort=updatedAt", select(where="a.updated_at > {since}", order="a.updated_at asc, a.id asc")),
    ("deep page, sort=name (cursor 90% in)", select(where=AFTER_NAME, order="a.name asc, a.id asc")),
    ("deep page, sort=id (cursor 90% in)", select(where=AFTER_ID)),
    ("/v1/territories/{id}/actors", select(where=IN_TERRITORY)),
    ("/v1/territories/{id}/actors?type=person", select(where=IN_TERRITORY + " and a.type = 'person'")),
]

def psql(connection, sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-0", "-v", "ON_ERROR_STOP=1", "-c", sql, connection],
                         check=True, capture_output=True, text=True).stdout
    return [r.strip() for r in out.split("\0") if r.strip()]

def literal(value):
    return "'" + value.replace("'", "''") + "'"

def parameters(connection):
    count = int(psql(connection, "select count(*) from actors")[0])
    psql(connection, """update actors set role = role where id in (
        select id from actors where id not like 'synthetic-%' and id not like 'person-synthetic%' order by id limit 20)""")
    since = psql(connection, "select min(updated_at) - interval '1 millisecond' from (select updated_at from actors order by updated_at desc limit 20) x")[0]
    deep = psql(connection, f"select name || chr(31) || id from actors order by name, id offset {count * 9 // 10} limit 1")[0].split("\x1f")
    deep_id = psql(connection, f"select id from actors order by id offset {count * 9 // 10} limit 1")[0]
    territory = psql(connection, "select territory_id from actor_territories group by 1 order by count(*) desc, 1 limit 1")[0]
    psql(connection, "vacuum analyze actors")
    return count, {"since": literal(since) + "::timestamptz", "k0": literal(deep[0]), "k1": literal(deep_id),
                   "territory": literal(territory)}, deep[1]

def scans(plan):
    node = plan["Node Type"]
    here = []
    if "Index Name" in plan:
        here.append(f"{node} {plan['Index Name']}")
    elif node == "Seq Scan":
        here.append(f"Seq Scan {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        here.extend(scans(child))
    return here

def measure(connection, sql, runs):
    times, plan = [], None
    for _ in range(runs):
        result = json.loads(psql(connection, "explain (analyze, format json) " + sql)[0])[0]
        times.append(result["Execution Time"])
        plan = result["Plan"]
    return statistics.median(times), ", ".join(dict.fromkeys(scans(plan)))

def main():
    small, large = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    sizes = []
    for connection in (small, large):
        count, values, deep_name_id = parameters(connection)
        sizes.append((connection, count, values))
    print(f"| query | plan (scans) at {sizes[1][1]:,} actors | ms at {sizes[0][1]:,} | ms at {sizes[1][1]:,} | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for name, template in QUERIES:
        results = [measure(connection, template.format(**values), runs) for connection, _, values in sizes]
        (small_ms, _), (large_ms, plan) = results
        print(f"| `{name}` | {plan} | {small_ms:.3f} | {large_ms:.3f} | {large_ms / small_ms:.1f}x |")

if __name__ == "__main__":
    main()
