"""A 304 against a full 200: median latency of each, over several runs, and their ratio."""
import http.client
import statistics
import sys
import time
import urllib.parse

RUNS, REQUESTS = 5, 300
URLS = [
    "/v1/territories/2018-ti2707",
    "/v1/territories?phase=2018-2022&limit=200",
    "/v1/territories/2018-ti7505/communes?limit=200",
]


def timed(connection, url, headers):
    start = time.perf_counter()
    connection.request("GET", url, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return time.perf_counter() - start, response.status, response.getheader("ETag"), len(body)


def main(base):
    parsed = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    print(f"conditional reads: median of {RUNS} runs x {REQUESTS} requests, one keep-alive connection")
    for url in URLS:
        full_runs, cached_runs = [], []
        for _ in range(RUNS):
            _, status, etag, size = timed(connection, url, {})
            assert status == 200, status
            full = [timed(connection, url, {})[0] for _ in range(REQUESTS)]
            cached = []
            for _ in range(REQUESTS):
                seconds, status, etag_again, _ = timed(connection, url, {"If-None-Match": etag})
                if status == 200:  # the snapshot moved (a background transaction): take the new validator
                    etag = etag_again
                cached.append(seconds)
            full_runs.append(statistics.median(full))
            cached_runs.append(statistics.median(cached))
        full_ms, cached_ms = statistics.median(full_runs) * 1000, statistics.median(cached_runs) * 1000
        print(f"  {url}\n    200: {full_ms:.2f} ms ({size} bytes)   304: {cached_ms:.2f} ms   304/200 = {cached_ms / full_ms:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
