"""
capture_sql.py LOG OUTDIR: turn a PostgreSQL log written with log_min_duration_statement=0 into pgbench scripts.
The log is split at the marker statements `select 'MARK <name>'`; OUTDIR/<name>.sql gets every extended-protocol
`execute` that followed the marker, one statement a line, its $n parameters replaced by the logged literals. Only
the statements of request connections count: the log line prefix names each session's application (`%a| `), and the
API's background sessions (data-version listener, webhook poller…) name theirs, as psql does for the markers;
request sessions have none (logged as "[unknown]").
"""
import os
import re
import sys


def main(log, out):
    os.makedirs(out, exist_ok=True)
    text = open(log, encoding="utf-8", errors="replace").read()
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] )", text)
    current, scripts, awaiting = None, {}, {}
    for entry in entries:
        pid = re.match(r"\S+ \S+ \S+ \[(\d+)\]", entry)
        pid = pid.group(1) if pid else None
        application = re.match(r"\S+ \S+ \S+ \[\d+\] ([^|\n]*)\| ", entry)
        if application and application.group(1) not in ("", "[unknown]", "psql"):
            continue
        marker = re.search(r"statement: select 'MARK ([\w.-]+)'", entry)
        if marker:
            current = marker.group(1)
            scripts.setdefault(current, [])
            continue
        if current is None:
            continue
        executed = re.search(r"LOG:  duration: [\d.]+ ms  execute [^:]*: (.*)", entry, re.S)
        if executed:
            awaiting[pid] = [executed.group(1).rstrip(), {}]
            scripts[current].append(awaiting[pid])
            continue
        # an execute's parameters come on the session's next log line (DETAIL), unless it had none; a bind's DETAIL,
        # logged before its execute, awaits nothing
        parameters = re.search(r"DETAIL:  parameters: (.*)", entry, re.S)
        statement = awaiting.pop(pid, None)
        if parameters and statement is not None:
            statement[1] = dict(re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", parameters.group(1)))
    for name, statements in scripts.items():
        if name == "end":
            continue
        with open(os.path.join(out, name + ".sql"), "w") as f:
            for statement, values in statements:
                literal = re.sub(r"\$(\d+)", lambda m: values.get(m.group(1), "NULL"), statement)
                f.write(" ".join(literal.split()) + ";\n")
        print(name, len(statements), "statements")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
