#!/usr/bin/env python3
"""Breaks a `perf script` of the engine down by stage of the event path.

A sample of a thread with one job (server GC, the store's writer, tiered JIT, OpenTelemetry's exporter) goes to
that job. Any other goes to the innermost frame of LiveOrleans' own code on its stack (mapped to a stage by class name), or,
when an Orleans runtime frame (messaging, scheduling, generated proxies and copiers) sits between the leaf and that
frame, to "grain calls"; samples without any of our frames go to the infrastructure that ran them (Kestrel, Orleans,
streams, GC, JIT, kernel). Also prints what the leaf frames were (JSON, SQLite, GC, ...), overall and per stage.
Usage: breakdown.py perf.txt [--cpu-seconds S --events N]   (perf script -F comm,tid,ip,sym,dso)
"""
import re
import sys
from collections import Counter, defaultdict

STAGES = [  # (stage, pattern on a LiveOrleans frame's symbol), first match wins
    ("parse & validate", r"EventValidator|EventReader|ValidationErrors|JsonFieldReader|Limits\."),
    ("admission & rate limit", r"IngestAdmission|RateLimit"),
    ("HTTP endpoint & auth", r"LiveOrleans\.Api\.(Endpoints|Http|Auth|Identity|Hosting)"),
    ("ingest service", r"IngestService"),
    ("ingest grain (split per session)", r"IngestGrain"),
    ("log append (SQLite)", r"Sqlite(EventLog|Writer|WriteBatch|Database)|LogClock|QueuedEntries|StoreDatabase|StoreWriteHealth|AuditChain"),
    ("session grain", r"SessionGrain|SessionModel|SessionEffects|Preview|SessionState"),
    ("dispatch to derived grains", r"LiveChangeDispatcher"),
    ("index shard", r"LiveIndex|Views\.Index|SessionCursor|SessionRules"),
    ("tenant-day", r"TenantDay|DayFigures"),
    ("agents", r"AgentGrain|AgentState|AgentsPanel"),
    ("tenant directory", r"TenantGrain"),
    ("derived rows & snapshots", r"DerivedGrain|RowChanges|SqliteRowStore|SqliteGrainStorage|Snapshots"),
    ("fan-out replicas", r"LiveOrleans\.Api\.Live"),
    ("telemetry", r"LiveTelemetry|LiveMetrics|Diagnostics"),
    ("other LiveOrleans", r"."),
]
OURS = re.compile(r"(^|[\s\[])LiveOrleans\.")
ORLEANS_CALL = re.compile(r"OrleansCodeGen|Orleans\.(Runtime|Serialization|Messaging|Networking|Internal|GrainReferences|Invocation|Connections)")
STREAMS = re.compile(r"Orleans\.(Streams|Providers\.Streams|Providers)")


def leaf_kind(sym, dso):
    if "[kernel" in dso or dso.startswith("[k"):
        return "kernel"
    if "libclrjit" in dso:
        return "JIT"
    if "libcoreclr" in dso:
        if re.search(r"gc_heap|GCHeap|WKS::|SVR::|gc\.cpp|Allocat|mark_|plan_phase|relocate|memclr|memset", sym):
            return "GC & allocation"
        return "runtime (coreclr)"
    if "e_sqlite3" in dso or "SQLitePCL" in sym or "Microsoft.Data.Sqlite" in sym:
        return "SQLite"
    if "libc" in dso or "ld-linux" in dso or "libpthread" in dso:
        return "libc"
    if "System.Text.Json" in sym:
        return "System.Text.Json"
    if "OrleansCodeGen" in sym or sym.startswith("Orleans.") or "[Orleans" in sym:
        return "Orleans"
    if "Kestrel" in sym or "Microsoft.AspNetCore" in sym or "System.Net" in sym or "System.IO.Pipelines" in sym:
        return "ASP.NET & sockets"
    if "LiveOrleans." in sym:
        return "LiveOrleans code"
    if sym.startswith("System.") or "[System." in sym:
        return "BCL (collections, strings, tasks)"
    if "libSystem" in dso:
        return "BCL native"
    return "other"


THREADS = [  # (stage, pattern on the thread's name): threads with one job go to it whatever their stack shows
    ("GC (server & background GC threads)", r"^\.NET (Server GC|BGC)"),
    ("log append (SQLite)", r"^LiveOrleans sto"),
    ("JIT", r"^\.NET Tiered Com"),
    ("telemetry", r"^OpenTelemetry"),
]


def stage_of(frames, thread=""):
    """frames: [(sym, dso)] leaf first; thread: the thread's name (perf's comm)."""
    for stage, pattern in THREADS:
        if re.search(pattern, thread):
            return stage
    crossed_orleans = False
    for sym, dso in frames:
        if OURS.search(sym) and "OrleansCodeGen" not in sym:
            if crossed_orleans:
                return "grain calls (Orleans messaging, copies)"
            for stage, pattern in STAGES:
                if re.search(pattern, sym):
                    return stage
        if ORLEANS_CALL.search(sym):
            crossed_orleans = True
    syms = " ".join(s for s, _ in frames)
    if STREAMS.search(syms):
        return "streams (Orleans)"
    if ORLEANS_CALL.search(syms):
        return "grain calls (Orleans messaging, copies)"
    if re.search(r"Kestrel|Microsoft\.AspNetCore|System\.Net\.Sockets|System\.IO\.Pipelines", syms):
        return "HTTP server (Kestrel)"
    kinds = {leaf_kind(s, d) for s, d in frames[:1]}
    if "JIT" in kinds or any("libclrjit" in d for _, d in frames):
        return "JIT"
    if any(re.search(r"gc_heap|GCHeap|WKS::|SVR::|gc_thread|BackgroundGC", s) for s, _ in frames):
        return "GC (background & server threads)"
    if frames and "[kernel" in frames[-1][1]:
        return "kernel only"
    return "other (thread pool, timers, runtime)"


def samples(path):
    """Yields (thread name, frames leaf first) per sample."""
    frames, thread = [], ""
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if frames:
                    yield thread, frames
                frames = []
                continue
            if not line.startswith((" ", "\t")):
                thread = line.rsplit(None, 1)[0].strip()
                frames = []
                continue
            m = re.match(r"\s*[0-9a-f]+\s+(.*)\s+\((.*)\)$", line)
            if m:
                frames.append((m.group(1), m.group(2)))
    if frames:
        yield thread, frames


def main():
    args = sys.argv[1:]
    path = args[0]
    cpu = float(args[args.index("--cpu-seconds") + 1]) if "--cpu-seconds" in args else None
    events = float(args[args.index("--events") + 1]) if "--events" in args else None
    by_stage = Counter()
    by_leaf = Counter()
    leaf_in_stage = defaultdict(Counter)
    total = 0
    for thread, frames in samples(path):
        total += 1
        stage = stage_of(frames, thread)
        leaf = leaf_kind(*frames[0])
        by_stage[stage] += 1
        by_leaf[leaf] += 1
        leaf_in_stage[stage][leaf] += 1
    if total == 0:
        print("no samples")
        return
    per_event = (lambda n: f"{cpu * 1e6 * n / total / events:7.1f} µs") if cpu and events else (lambda n: "")
    if cpu and events:
        print(f"{total} samples; {cpu:.1f} CPU-s for ~{events:,.0f} events = {cpu * 1e6 / events:.1f} CPU-µs per event")
    print("\nby stage (innermost LiveOrleans frame; Orleans frames below it = grain calls)")
    for stage, n in by_stage.most_common():
        top = ", ".join(f"{k} {100 * v / n:.0f}%" for k, v in leaf_in_stage[stage].most_common(3))
        print(f"  {100 * n / total:5.1f} %  {per_event(n)}  {stage:42s} leaf: {top}")
    print("\nby leaf frame")
    for leaf, n in by_leaf.most_common():
        print(f"  {100 * n / total:5.1f} %  {per_event(n)}  {leaf}")


if __name__ == "__main__":
    main()
