"""
CSV export memory: the API's resident memory while it streams exports of 10,000 and 100,000 synthetic
territories (generated here, named as synthetic, in the benchmark's own throwaway database).
Flat memory means the peak does not grow with the number of rows.
"""
import http.client
import pathlib
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def psql(data_dir, sql):
    password = pathlib.Path(str(data_dir) + ".password").read_text().strip()
    port = pathlib.Path(data_dir, "postmaster.pid").read_text().splitlines()[3]
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", port, "-U", "observatoire", "-d", "observatoire", "-c", sql],
                   check=True, env={"PGPASSWORD": password, "PATH": "/usr/bin:/bin"})


def generate(data_dir, rows):
    psql(data_dir, "delete from territories where id like '2023-syn-%'")
    psql(data_dir, f"""
        insert into territories (id, phase, code, name, region_codes, department_codes, commune_count, latitude, longitude, studied)
        select '2023-syn-' || lpad(n::text, 6, '0'), '2023-2027', 'syn-' || lpad(n::text, 6, '0'),
               'Synthetic territory ' || n || ' (benchmark data)', array['27'], array['90'], n % 500, 47.5, 6.8, false
        from generate_series(1, {rows}) as n""")


def export_peak(base, pid):
    parsed = urllib.parse.urlparse(base)
    peak, done = [rss_kib(pid)], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    connection.request("GET", "/v1/territories?format=csv&phase=2023-2027")
    response = connection.getresponse()
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
    done.set()
    sampler.join()
    return max(peak), size


def main(base, pid, data_dir):
    print("CSV export memory (API resident set, median peak of 3 exports)")
    for rows in (10_000, 100_000):
        generate(data_dir, rows)
        baseline = rss_kib(pid)
        peaks, size = [], 0
        for _ in range(3):
            peak, size = export_peak(base, pid)
            peaks.append(peak)
        print(f"  {rows:>7} rows, {size / 1e6:.1f} MB of CSV: RSS before {baseline / 1024:.0f} MiB, peak {statistics.median(peaks) / 1024:.0f} MiB")
    psql(data_dir, "delete from territories where id like '2023-syn-%'")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
