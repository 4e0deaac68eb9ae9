#!/usr/bin/env python3
"""The HTTP benchmark: teamlogd against a ceiling server, side by side in one run.

    ./tools/bench/http_bench.py                 # full run: builds, seeds, 3 runs x 10 s per point, 1M-event stage
    ./tools/bench/http_bench.py --smoke         # a few seconds, tiny dataset, no bars, nothing written (CI)

Builds the release preset (teamlogd, teamlog_ceiling, teamlog_seed), seeds a dataset with teamlog_seed (100
organizers, 5,000 teams with members, invites and tokens; cached between runs), and for each run starts teamlogd
on a fresh copy of it and the ceiling server (teamlog_ceiling: a constant team-sized JSON body, same --threads),
both on 127.0.0.1 with port 0. wrk (tools/bench/http_bench.lua) then drives each scenario at 1, 16 and 64
connections for a fixed duration. At 64 connections a third server, the bound ceiling (teamlog_ceiling answering
with bodies the size of teamlogd's and acknowledging a write only once it is fdatasync'd), takes GET team list's,
the writes' and the mix's requests: the most any server answering them could do here. Every figure printed is the
median over the runs; "vs ceiling" is the median of
each run's ratio to the ceiling measured in that same run, just before and just after the scenarios at that
connection count (averaged, as the load of a shared machine drifts). Any non-2xx answer or socket error fails the
run. The raw figures of the last full run are kept in build/bench-data/http-bench-last.json.

The 1,000,000-event stage starts teamlogd on a cached 1M-event data dir and on a 10,000-event one: time from start
to the ready line, RSS after start, and GET team detail latency on each.

Output: a Markdown table on stdout, the section between the http-bench markers in docs/PERFORMANCE.md, and a
PNG plot (gnuplot) of requests/s against connections, docs/perf-http.png.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LUA = os.path.join(ROOT, "tools", "bench", "http_bench.lua")
DOC = os.path.join(ROOT, "docs", "PERFORMANCE.md")
PLOT = os.path.join(ROOT, "docs", "perf-http.png")
BEGIN_MARK = "<!-- http-bench:begin (written by tools/bench/http_bench.py) -->"
END_MARK = "<!-- http-bench:end -->"
SKIP = 77  # ctest's SKIP_RETURN_CODE

SCENARIOS = [
    ("team_list", "GET team list (page 1 of 50)"),
    ("team_detail", "GET team detail"),
    ("token_list", "GET token list"),
    ("post_team", "POST team (durable)"),
    ("patch_team", "PATCH team (durable)"),
    ("post_token", "POST token (durable)"),
    ("mix", "90% read / 10% write mix"),
]
LABELS = dict(SCENARIOS)
LABELS["ceiling"] = "ceiling (teamlog_ceiling)"
# The bounds: one more teamlog_ceiling, with TEAMLOG_CEILING_DURABLE=1 and TEAMLOG_CEILING_SHAPED=1. It answers a
# request with a body only after appending it to a file and fdatasync'ing it (group commit), and answers each
# request with a constant body of the size teamlogd answers it with (GET team list: a ~20 KB page of 50 teams),
# nothing else. Driven with a scenario's requests at the largest connection count, it shows how much of the
# ceiling that scenario's answers (and, for writes, durability) leave any server here.
BOUNDS = {name: "durable_" + name for name in ("post_team", "patch_team", "post_token", "mix")}
BOUNDS["team_list"] = "sized_team_list"
for _name, _label in [("post_team", "durable ceiling, POST team's requests"),
                      ("patch_team", "durable ceiling, PATCH team's requests"),
                      ("post_token", "durable ceiling, POST token's requests"),
                      ("mix", "durable ceiling, the mix's requests (list pages list-sized)"),
                      ("team_list", "list-sized ceiling, team list's requests")]:
    LABELS[BOUNDS[_name]] = _label

# (scenario, minimum share of the ceiling at 64 connections, p99 limit in µs or None)
BARS = [
    ("team_detail", 0.70, None),
    ("team_list", 0.70, None),
    ("post_team", 0.40, 10_000),
    ("post_token", 0.40, 10_000),
    ("mix", 0.60, None),
]


def log(message):
    print(f"http_bench: {message}", file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


class Server:
    """A teamlogd or teamlog_ceiling child: stderr to a file, ready when the file has the 'listening on' line."""

    def __init__(self, binary, args, log_path, ready_timeout=60.0, env=None):
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary] + args, stdout=subprocess.DEVNULL, stderr=self.log_file,
                                     stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
        pattern = re.compile(rb"listening on http://([^\s]+):(\d+)")
        deadline = self.started + ready_timeout
        with open(log_path, "rb") as reader:
            seen = b""
            while True:
                seen += reader.read()
                found = pattern.search(seen)
                if found:
                    self.ready_seconds = time.monotonic() - self.started
                    self.host, self.port = found.group(1).decode(), int(found.group(2))
                    break
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{os.path.basename(binary)} did not get ready: {seen.decode(errors='replace')[-2000:]}")
                time.sleep(0.002)
        self.url = f"http://{self.host}:{self.port}"

    def rss_bytes(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        return self.proc.returncode


def seed(bin_dir, data_dir, organizers, teams, events=None):
    cmd = [os.path.join(bin_dir, "teamlog_seed"), "--data-dir", data_dir, "--organizers", str(organizers),
           "--teams", str(teams)]
    if events:
        cmd += ["--events", str(events)]
    log(f"seeding {data_dir}: {organizers} organizers, {teams} teams" + (f", {events} events" if events else ""))
    out = run(cmd, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def refresh_views(bin_dir, data_dir):
    """A dataset seeded by an older build may hold views of an older layout, which teamlogd would rebuild while
    starting (and the 1M stage would time): rebuild them now, keeping the seeded log."""
    stats = json.loads(run([os.path.join(bin_dir, "teamlogctl"), "stats", "--data-dir", data_dir],
                           stdout=subprocess.PIPE, text=True).stdout)
    stale = [v["name"] for v in stats["views"] if v["version"] != v["code_version"]]
    if stale:
        log(f"{data_dir}: views {', '.join(stale)} are of an older layout; rebuilding them from the cached log")
        run([os.path.join(bin_dir, "teamlogctl"), "rebuild", "--data-dir", data_dir], stdout=subprocess.DEVNULL)


def cached_dataset(bin_dir, cache_root, organizers, teams, events=None):
    """A seeded data dir kept under cache_root (seeded once); returns (dir, seed output)."""
    name = f"o{organizers}-t{teams}" + (f"-e{events}" if events else "")
    path = os.path.join(cache_root, name)
    meta = os.path.join(cache_root, name + ".json")
    if os.path.isdir(path) and os.path.exists(meta):
        refresh_views(bin_dir, path)
        with open(meta) as f:
            return path, json.load(f)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(cache_root, exist_ok=True)
    partial = path + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    result = seed(bin_dir, partial, organizers, teams, events)
    os.rename(partial, path)
    with open(meta, "w") as f:
        json.dump(result, f)
    return path, result


def write_targets(path, seed_result):
    """One "organizer token team_id" line per seeded team (teamlog_seed's ids: admin teams 1..O, then O+1+t)."""
    organizers, teams, tokens = seed_result["organizers"], seed_result["teams"], seed_result["tokens"]
    with open(path, "w") as f:
        for t in range(teams):
            org = f"org{t % organizers}"
            f.write(f"{org} {tokens[org]} {organizers + 1 + t}\n")


def wrk(url, scenario, connections, duration, targets, tag, threads):
    wrk_threads = max(1, min(connections, threads))
    cmd = ["wrk", "-t", str(wrk_threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
           "-s", LUA, url]
    env = dict(os.environ, BENCH_SCENARIO=scenario, BENCH_TARGETS=targets, BENCH_TAG=tag)
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    found = re.search(r"^BENCH_RESULT (\{.*\})$", out, re.M)
    if not found:
        raise RuntimeError(f"wrk {scenario} x{connections}: no result:\n{out}")
    result = json.loads(found.group(1))
    errors = {k: result[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")}
    if any(errors.values()) or result["requests"] == 0:
        raise RuntimeError(f"wrk {scenario} x{connections}: {result['requests']} requests, errors {errors}:\n{out}")
    return result


def build(preset):
    log(f"building the {preset} preset")
    run([os.path.join(ROOT, "scripts", "build.sh"), preset, "teamlogd", "teamlog_ceiling", "teamlog_seed"])


def median(values):
    return statistics.median(values) if values else float("nan")


# ---- the throughput stage ----

def throughput_stage(args, bin_dir, dataset, seed_result, work):
    targets = os.path.join(work, "targets.txt")
    write_targets(targets, seed_result)
    names = [s for s, _ in SCENARIOS if not args.only or s in args.only]
    samples = {}  # (scenario, connections) -> list of per-run results, each with "ratio"
    for r in range(args.runs):
        data = os.path.join(work, f"data-run{r + 1}")
        shutil.rmtree(data, ignore_errors=True)
        if args.smoke:
            data = dataset  # seeded for this run only
        else:
            shutil.copytree(dataset, data)
        common = ["--listen", "127.0.0.1:0", "--threads", str(args.threads)]
        server = Server(os.path.join(bin_dir, "teamlogd"), common + ["--data-dir", data],
                        os.path.join(work, f"teamlogd-run{r + 1}.log"))
        ceiling = Server(os.path.join(bin_dir, "teamlog_ceiling"), common,
                         os.path.join(work, f"ceiling-run{r + 1}.log"))
        # Page 1 of an organizer's teams: its seeded teams and its admin team, at most a page (50).
        page_items = min(50, seed_result["teams"] // seed_result["organizers"] + 1)
        bound_dir = os.path.join(work, f"ceiling-bound-run{r + 1}")
        bound = None
        if any(n in BOUNDS for n in names):
            os.makedirs(bound_dir, exist_ok=True)
            bound = Server(os.path.join(bin_dir, "teamlog_ceiling"), common + ["--data-dir", bound_dir],
                           os.path.join(work, f"ceiling-bound-run{r + 1}.log"),
                           env={"TEAMLOG_CEILING_DURABLE": "1", "TEAMLOG_CEILING_SHAPED": "1",
                                "TEAMLOG_CEILING_PAGE_ITEMS": str(page_items)})
        try:
            for c in args.connections:
                # The ceiling before and after the scenarios, averaged: on a shared machine the load drifts.
                before = wrk(ceiling.url, "team_detail", c, args.duration, targets, "ceiling", args.threads)
                log(f"run {r + 1}/{args.runs} x{c:<3} {'ceiling':12} {before['rps']:>10,.0f} req/s (before)")
                results = {}
                for requests in names if c == max(args.connections) else []:
                    if requests not in BOUNDS:
                        continue
                    name = BOUNDS[requests]
                    results[name] = wrk(bound.url, requests, c, args.duration, targets, "bound", args.threads)
                    log(f"run {r + 1}/{args.runs} x{c:<3} {name:12} {results[name]['rps']:>10,.0f} req/s "
                        f"p50 {results[name]['p50_us']} µs p99 {results[name]['p99_us']} µs "
                        f"({results[name]['rps'] / before['rps']:.0%} of the ceiling before)")
                for name in names:
                    results[name] = wrk(server.url, name, c, args.duration, targets, f"r{r + 1}c{c}-{os.getpid()}",
                                        args.threads)
                    log(f"run {r + 1}/{args.runs} x{c:<3} {name:12} {results[name]['rps']:>10,.0f} req/s "
                        f"p50 {results[name]['p50_us']} µs p99 {results[name]['p99_us']} µs "
                        f"({results[name]['rps'] / before['rps']:.0%} of the ceiling before)")
                after = before if args.smoke else wrk(ceiling.url, "team_detail", c, args.duration, targets,
                                                      "ceiling", args.threads)
                base = {k: (before[k] + after[k]) / 2 for k in ("rps", "p50_us", "p99_us")}
                base.update(ratio=1.0, before_rps=before["rps"], after_rps=after["rps"])
                log(f"run {r + 1}/{args.runs} x{c:<3} {'ceiling':12} {after['rps']:>10,.0f} req/s (after); "
                    f"mean {base['rps']:,.0f}")
                samples.setdefault(("ceiling", c), []).append(base)
                for name, result in results.items():
                    result["ratio"] = result["rps"] / base["rps"]
                    samples.setdefault((name, c), []).append(result)
        finally:
            code = server.stop()
            ceiling.stop()
            if bound:
                bound.stop()
            shutil.rmtree(bound_dir, ignore_errors=True)
        if code != 0:
            raise RuntimeError(f"teamlogd exited {code} on SIGTERM; see {server.log_path}")
        if not args.keep and not args.smoke:
            shutil.rmtree(data, ignore_errors=True)
    return names, samples


def summarize(samples):
    """Medians over the runs. "ratio" is the median of the runs' own ratios (each against the ceiling measured
    around it in the same run); "ratio_of_medians" divides the medians."""
    rows = {}
    for key, runs in samples.items():
        rows[key] = {
            "rps": median([x["rps"] for x in runs]),
            "p50_us": median([x["p50_us"] for x in runs]),
            "p99_us": median([x["p99_us"] for x in runs]),
            "ratio": median([x["ratio"] for x in runs]),
            "runs_rps": [x["rps"] for x in runs],
            "runs_ratio": [x["ratio"] for x in runs],
        }
    for (name, c), row in rows.items():
        ceiling = rows.get(("ceiling", c))
        row["ratio_of_medians"] = row["rps"] / ceiling["rps"] if ceiling else float("nan")
    return rows


def throughput_table(names, rows, connections):
    lines = ["| scenario | conns | req/s | p50 µs | p99 µs | vs ceiling | each run: req/s (vs its ceiling) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for c in connections:
        for name in ["ceiling"] + [BOUNDS[n] for n in names if n in BOUNDS] + names:
            row = rows.get((name, c))
            if not row:
                continue
            if name == "ceiling":
                each = ", ".join(f"{v:,.0f}" for v in row["runs_rps"])
                ratio = "ceiling"
            else:
                each = ", ".join(f"{v:,.0f} ({q:.0%})" for v, q in zip(row["runs_rps"], row["runs_ratio"]))
                ratio = f"{row['ratio']:.0%}"
            lines.append(f"| {LABELS[name]} | {c} | {row['rps']:,.0f} | {row['p50_us']:,.0f} | "
                         f"{row['p99_us']:,.0f} | {ratio} | {each} |")
    return "\n".join(lines)


def bar_lines(rows):
    lines = []
    for name, share, p99 in BARS:
        row = rows.get((name, 64))
        if not row:
            continue
        ok = row["ratio"] >= share and (p99 is None or row["p99_us"] < p99)
        text = f"- {LABELS[name]} at 64 connections >= {share:.0%} of the ceiling"
        if p99:
            text += f", p99 < {p99 / 1000:g} ms"
        text += f": {row['ratio']:.0%}"
        if p99:
            text += f", p99 {row['p99_us'] / 1000:.1f} ms"
        text += " - **met**" if ok else " - **not met**"
        bound = rows.get((BOUNDS.get(name), 64))
        if bound:
            kind = LABELS[BOUNDS[name]].split(",")[0]
            text += (f" (its {kind}: {bound['ratio']:.0%} of the ceiling; teamlogd "
                     f"{row['rps'] / bound['rps']:.0%} of that)")
        lines.append(text)
    return lines


def plot(names, rows, connections, work, path):
    if not shutil.which("gnuplot"):
        log("gnuplot not found (scripts/setup.sh installs gnuplot-nox); no plot")
        return False
    data = os.path.join(work, "plot.dat")
    png = os.path.join(work, "plot.png")  # moved into docs only when gnuplot succeeded
    series = ["ceiling"] + names
    with open(data, "w") as f:
        for c in connections:
            f.write(f"{c} " + " ".join(f"{rows[(s, c)]['rps']:.0f}" if (s, c) in rows else "NaN" for s in series) + "\n")
    plots = ", ".join(
        f"'{data}' using 1:{i + 2} with linespoints lw 2" + (" dt 2 lc rgb 'black'" if s == "ceiling" else "")
        + f" title '{LABELS[s]}'" for i, s in enumerate(series))
    script = f"""
set terminal pngcairo size 960,600 noenhanced
set output '{png}'
set title 'teamlog HTTP: requests/s against connections (medians; ceiling = teamlog_ceiling)'
set xlabel 'connections'
set ylabel 'requests/s'
set logscale x 2
set xtics ({", ".join(str(c) for c in connections)})
set yrange [0:*]
set grid
set key outside right
plot {plots}
"""
    result = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    if result.returncode != 0:
        # gnuplot-nox may lack cairo; the plain png terminal is always there.
        script = script.replace("pngcairo size 960,600 noenhanced", "png size 960,600 noenhanced")
        result = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    if result.returncode != 0 or not os.path.getsize(png):
        log(f"gnuplot failed: {result.stderr}")
        return False
    shutil.move(png, path)
    return True


# ---- the 1,000,000-event stage ----

def million_stage(args, bin_dir, work):
    sets = [("10,000 events", cached_dataset(bin_dir, args.cache_dir, 100, 1000, 10_000)),
            (f"{args.million_events:,} events", cached_dataset(bin_dir, args.cache_dir, 100, 5000, args.million_events))]
    results = []
    for label, (path, seed_result) in sets:
        targets = os.path.join(work, f"targets-{seed_result['events']}.txt")
        write_targets(targets, seed_result)
        runs = []
        for r in range(args.runs):
            # GETs only: the cached dir is served in place (a start replays no events and writes none).
            server = Server(os.path.join(bin_dir, "teamlogd"),
                            ["--listen", "127.0.0.1:0", "--threads", str(args.threads), "--data-dir", path],
                            os.path.join(work, f"teamlogd-{seed_result['events']}-run{r + 1}.log"))
            try:
                ready, rss_start = server.ready_seconds, server.rss_bytes()
                one = wrk(server.url, "team_detail", 1, args.duration, targets, "m", args.threads)
                many = wrk(server.url, "team_detail", 64, args.duration, targets, "m", args.threads)
                rss_after = server.rss_bytes()
            finally:
                server.stop()
            runs.append({"ready_s": ready, "rss_start": rss_start, "rss_after": rss_after, "p50_us": one["p50_us"],
                         "p99_us": one["p99_us"], "rps64": many["rps"]})
            log(f"{label} run {r + 1}: ready {ready * 1000:.0f} ms, RSS {rss_start / 2**20:.0f} MiB, "
                f"GET p50 {one['p50_us']} µs, {many['rps']:,.0f} req/s at 64")
        results.append((label, seed_result["events"], {k: median([x[k] for x in runs]) for k in runs[0]}))
    return results


def million_table(results):
    lines = ["| log | ready after start | RSS after start | RSS after the GETs | GET team detail p50 / p99 (1 conn) | req/s (64 conns) |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, _, m in results:
        lines.append(f"| {label} | {m['ready_s'] * 1000:.0f} ms | {m['rss_start'] / 2**20:.0f} MiB | "
                     f"{m['rss_after'] / 2**20:.0f} MiB | {m['p50_us']:.0f} / {m['p99_us']:.0f} µs | {m['rps64']:,.0f} |")
    return "\n".join(lines)


def million_bars(results):
    if len(results) < 2:
        return []
    small, big = results[0][2], results[-1][2]
    change = big["p50_us"] / small["p50_us"] - 1
    return [
        f"- ready in under 1 s with {results[-1][1]:,} events: {big['ready_s'] * 1000:.0f} ms - "
        + ("**met**" if big["ready_s"] < 1 else "**not met**"),
        f"- RSS under 1 GiB there: {big['rss_start'] / 2**20:.0f} MiB after start, {big['rss_after'] / 2**20:.0f} MiB "
        "after the GETs - " + ("**met**" if max(big["rss_start"], big["rss_after"]) < 2**30 else "**not met**"),
        f"- GET p50 within 20% of the 10,000-event log: {big['p50_us']:.0f} µs vs {small['p50_us']:.0f} µs "
        f"({change:+.0%}) - " + ("**met**" if change <= 0.20 else "**not met**"),  # slower by at most 20%
    ]


def write_doc(section):
    with open(DOC) as f:
        text = f.read()
    block = f"{BEGIN_MARK}\n{section.rstrip()}\n{END_MARK}"
    if BEGIN_MARK in text and END_MARK in text:
        before, rest = text.split(BEGIN_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n## The HTTP API against a ceiling server (`tools/bench/http_bench.py`)\n\n" + block + "\n"
    with open(DOC, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk measurement (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs; figures are medians (default 3)")
    parser.add_argument("--connections", default="1,16,64", help="comma-separated (default 1,16,64)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="server I/O threads for teamlogd and the ceiling, and wrk's threads (default: cores)")
    parser.add_argument("--only", default="", help="comma-separated scenarios (default all): " +
                        ",".join(s for s, _ in SCENARIOS))
    parser.add_argument("--smoke", action="store_true",
                        help="CI: a tiny dataset, 1 s per scenario at 4 connections, no bars, nothing written")
    parser.add_argument("--million", dest="million", action="store_true", default=None,
                        help="run the 1,000,000-event stage (default in a full run)")
    parser.add_argument("--no-million", dest="million", action="store_false")
    parser.add_argument("--million-events", type=int, default=1_000_000)
    parser.add_argument("--no-throughput", action="store_true", help="only the 1,000,000-event stage")
    parser.add_argument("--no-build", action="store_true", help="use the binaries in --bin-dir as they are")
    parser.add_argument("--no-setup", action="store_true", help="do not run scripts/setup.sh (installs wrk, gnuplot)")
    parser.add_argument("--preset", default="release")
    parser.add_argument("--bin-dir", default=None, help="default build/<preset>/bin")
    parser.add_argument("--cache-dir", default=None, help="seeded datasets kept between runs (default build/bench-data)")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/PERFORMANCE.md and the plot")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (data dirs, server logs)")
    args = parser.parse_args()

    args.connections = [int(c) for c in args.connections.split(",") if c]
    args.only = [s for s in args.only.split(",") if s]
    unknown = [s for s in args.only if s not in LABELS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    if args.smoke:
        args.duration, args.runs, args.connections = 1, 1, [4]
        args.million, args.no_doc, args.no_setup, args.no_build = False, True, True, True
    if args.million is None:
        args.million = True
    args.bin_dir = args.bin_dir or os.path.join(ROOT, "build", args.preset, "bin")
    args.cache_dir = args.cache_dir or os.path.join(ROOT, "build", "bench-data")

    if not args.no_setup:
        run([os.path.join(ROOT, "scripts", "setup.sh")])
    if not shutil.which("wrk"):
        log("wrk is not installed (scripts/setup.sh installs it)")
        return SKIP if args.smoke else 1
    if not args.no_build:
        build(args.preset)

    work = tempfile.mkdtemp(prefix="teamlog-http-bench-")
    started = time.monotonic()
    try:
        sections = []
        stdout_parts = []
        header = (f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
                  f"Linux {platform.release()}; teamlogd and teamlog_ceiling with --threads {args.threads}, wrk with "
                  f"{args.threads} threads on the same cores; medians of {args.runs} run(s) of {args.duration} s.")
        if not args.no_throughput:
            if args.smoke:
                dataset = os.path.join(work, "smoke-data")
                seed_result = seed(args.bin_dir, dataset, 4, 40)
            else:
                dataset, seed_result = cached_dataset(args.bin_dir, args.cache_dir, 100, 5000)
            names, samples = throughput_stage(args, args.bin_dir, dataset, seed_result, work)
            if not args.smoke:
                os.makedirs(args.cache_dir, exist_ok=True)
                with open(os.path.join(args.cache_dir, "http-bench-last.json"), "w") as f:
                    json.dump([{"scenario": k[0], "connections": k[1], "runs": v} for k, v in samples.items()], f)
            rows = summarize(samples)
            table = throughput_table(names, rows, args.connections)
            bars = [] if args.smoke else bar_lines(rows)
            stdout_parts += [table] + (["", "Bars (issue 6):"] + bars if bars else [])
            plotted = False
            if not args.no_doc:
                plotted = plot(names, rows, args.connections, work, PLOT)
            sections.append(
                f"Dataset: {seed_result['organizers']} organizers, {seed_result['teams']:,} teams "
                f"({seed_result['events']:,} events); every run starts teamlogd on a fresh copy. {header}\n\n"
                + table + ("\n\nBars (issue 6):\n\n" + "\n".join(bars) if bars else "")
                + ("\n\n![requests/s against connections](perf-http.png)" if plotted else ""))
        if args.million:
            results = million_stage(args, args.bin_dir, work)
            mtable = million_table(results)
            mbars = million_bars(results)
            stdout_parts += ["", mtable, ""] + mbars
            sections.append("### A long log: 1,000,000 events against 10,000\n\n" + mtable + "\n\n" + "\n".join(mbars))
        print("\n".join(stdout_parts))
        if not args.no_doc and sections:
            write_doc("\n\n".join(sections))
            log(f"wrote {os.path.relpath(DOC, ROOT)}" + (f" and {os.path.relpath(PLOT, ROOT)}" if os.path.exists(PLOT) else ""))
        log(f"done in {time.monotonic() - started:.0f} s")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError) as e:
        log(f"failed: {e}")
        sys.exit(1)
