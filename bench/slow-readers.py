#!/usr/bin/env python3
"""
slow-readers.py [--actors N] [--clients 50] [--rate 300] [--seconds 30]: the slow-readers figure.

Starts a throwaway PostgreSQL cluster and the API (Release build) on free ports of 127.0.0.1, loads N synthetic
actors (bench/synthetic.sql), then opens CLIENTS connections that each read GET /v1/actors?format=csv at
RATE bytes/s (small receive buffers, so the server really waits for them) while 4 ordinary readers loop over
JSON reads. Prints the ordinary reads' count, p50, p99 and errors, the exports' statuses, and the most database
connections seen busy with an export. Everything it starts is stopped (by its own pid) before it exits.
"""
import argparse, http.client, os, pathlib, pwd, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin():
    for base in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / "initdb").exists():
            return base
    return pathlib.Path(os.path.dirname(shutil.which("initdb") or "/usr/bin/initdb"))


def as_pg(cmd):
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


def slow_reader(port, rate, deadline, results):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /v1/actors?format=csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = s.recv(rate)
        status = int(first.split(b" ", 2)[1]) if first.startswith(b"HTTP/1.1") else 0
        received = len(first)
        while time.time() < deadline and status == 200:
            time.sleep(1)
            chunk = s.recv(rate)
            if not chunk:
                break
            received += len(chunk)
        results.append((status, received))
    except OSError as e:
        results.append((f"error {e.__class__.__name__}", 0))
    finally:
        s.close()


def ordinary_reader(port, deadline, latencies, errors):
    paths = ["/v1/territories?limit=20", "/v1/actors?limit=20", "/v1/territories/2018-ti2707", "/v1/sources?limit=5"]
    connection, i = http.client.HTTPConnection("127.0.0.1", port, timeout=10), 0
    while time.time() < deadline:
        start = time.perf_counter()
        try:
            connection.request("GET", paths[i % len(paths)])
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
            latencies.append((time.perf_counter() - start) * 1000)
        except Exception as e:
            errors.append(e.__class__.__name__)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="slow-readers-"))
    os.chmod(work, 0o755)
    db_port, api_port, bin_dir = free_port(), free_port(), pg_bin()
    processes, data = [], work / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(work, "postgres")
        subprocess.run(as_pg([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(as_pg([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(work / "pg.log"), "-w", "start", "-o",
                              f"-h 127.0.0.1 -p {db_port} -k {work} -c max_connections=200 -c fsync=off"]), check=True, stdout=subprocess.DEVNULL)
        psql = [str(bin_dir / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(db_port), "-U", "postgres"]
        subprocess.run(psql + ["-c", "create database observatoire"], check=True)

        subprocess.run(["dotnet", "build", str(ROOT / "api"), "-c", "Release", "-o", str(work / "app"), "-nologo", "-v", "q"], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, ASPNETCORE_ENVIRONMENT="Production",
                   ConnectionStrings__Observatoire=f"Host=127.0.0.1;Port={db_port};Username=postgres;Database=observatoire",
                   # One address sends all the exports here: their budget is raised, the cap and spool are the defaults.
                   RateLimits__Exports="100000", RateLimits__Reads="1000000")
        api = subprocess.Popen(["dotnet", str(work / "app" / "Observatoire.Api.dll"), "--urls", f"http://127.0.0.1:{api_port}"],
                               env=env, stdout=open(work / "api.log", "w"), stderr=subprocess.STDOUT, cwd=work)
        processes.append(api)
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", api_port, timeout=2); c.request("GET", "/health/ready")
                if c.getresponse().status == 200: break
            except OSError:
                pass
            time.sleep(0.5)
        subprocess.run(psql + ["-d", "observatoire", "-v", f"n={args.actors}", "-f", str(HERE / "synthetic.sql")], check=True, stdout=subprocess.DEVNULL)

        deadline = time.time() + args.seconds
        slow, latencies, errors, busy = [], [], [], [0]
        threads = [threading.Thread(target=slow_reader, args=(api_port, args.rate, deadline, slow)) for _ in range(args.clients)]
        threads += [threading.Thread(target=ordinary_reader, args=(api_port, deadline, latencies, errors)) for _ in range(4)]
        for t in threads: t.start()
        while time.time() < deadline:
            out = subprocess.run(psql + ["-d", "observatoire", "-Atc",
                                         "select count(*) from pg_stat_activity where state <> 'idle' and query ilike '%from actors%' and pid <> pg_backend_pid()"],
                                 capture_output=True, text=True).stdout.strip()
            busy[0] = max(busy[0], int(out or 0))
            time.sleep(0.5)
        for t in threads: t.join(timeout=30)

        lat = sorted(latencies)
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
        statuses = {}
        for status, _ in slow: statuses[status] = statuses.get(status, 0) + 1
        csv_bytes = 0
        c = http.client.HTTPConnection("127.0.0.1", api_port, timeout=120); c.request("GET", "/v1/actors?format=csv")
        r = c.getresponse()
        while chunk := r.read(1 << 20): csv_bytes += len(chunk)
        print(f"actors {args.actors}, export size {csv_bytes / 1e6:.1f} MB, {args.clients} slow readers at {args.rate} B/s for {args.seconds} s")
        print(f"slow readers' statuses: {statuses}; bytes received (median): {statistics.median([b for _, b in slow]) if slow else 0:.0f}")
        print(f"most connections busy with an export at once: {busy[0]}")
        print(f"ordinary reads: {len(lat)}, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1] if lat else 0:.1f} ms, errors {len(errors)} {sorted(set(map(str, errors)))}")
    finally:
        for process in processes:
            process.terminate()
            try: process.wait(20)
            except subprocess.TimeoutExpired: process.kill()
        if (data / "postmaster.pid").exists():
            subprocess.run(as_pg([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]), stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
