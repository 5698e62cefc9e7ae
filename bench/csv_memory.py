"""
csv_memory.py BASE PID PATH RUNS: export PATH (a CSV export) RUNS times on one connection, reading as fast as it
comes, while sampling the API's resident memory (VmRSS of PID every 10 ms). Prints one tab-separated line:
bytes, median seconds, median MB/s, RSS before (MiB), median peak RSS (MiB). Flat memory means the peak does not
grow with the number of rows exported.
"""
import http.client
import pathlib
import statistics
import sys
import threading
import time
import urllib.parse


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def export(base, pid, path):
    parsed = urllib.parse.urlparse(base)
    peak, done = [rss_kib(pid)], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200, response.status
    size = 0
    while chunk := response.read(256 * 1024):
        size += len(chunk)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return size, seconds, max(peak)


def main(base, pid, path, runs):
    before = rss_kib(pid)
    results = [export(base, pid, path) for _ in range(runs)]
    size = results[-1][0]
    seconds = statistics.median(r[1] for r in results)
    peak = statistics.median(r[2] for r in results)
    print(f"{size}\t{seconds:.3f}\t{size / 1e6 / seconds:.1f}\t{before / 1024:.0f}\t{peak / 1024:.0f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
