"""
staleness.py BASE ACTOR UPDATES PSQL...: how long after a commit made behind the API's back (psql, not the API)
a read of the API shows it. For each update: read the actor (so that a cache holds it), change its role in one
statement through a psql session kept open, take the time when psql has acknowledged the commit, then read the
actor on one keep-alive connection until the new role appears. Prints tab-separated: updates, median ms, max ms,
updates never seen within 5 s.
"""
import http.client
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid


def main(base, actor, updates, psql):
    parsed = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    session = subprocess.Popen(psql + ["-X", "-q", "-A", "-t"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def read():
        connection.request("GET", f"/v1/actors/{actor}")
        response = connection.getresponse()
        body = response.read().decode()
        assert response.status == 200, (response.status, body)
        return body

    lags, missed = [], 0
    for i in range(updates):
        role = f"staleness probe {uuid.uuid4().hex[:12]}"
        read()
        read()
        session.stdin.write(f"update actors set role = '{role}' where id = '{actor}';\n\\echo committed {i}\n")
        session.stdin.flush()
        while session.stdout.readline().strip() != f"committed {i}":
            pass
        committed = time.perf_counter()
        while role not in read():
            if time.perf_counter() - committed > 5:
                missed += 1
                break
        else:
            lags.append((time.perf_counter() - committed) * 1000)
        time.sleep(0.05)
    session.stdin.close()
    session.wait(timeout=10)
    print(f"{updates}\t{statistics.median(lags):.2f}\t{max(lags):.2f}\t{missed}" if lags else f"{updates}\t-\t-\t{missed}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:])
