#!/usr/bin/env python3
"""Where the engine's CPU went during a token run, from `perf script` of a `perf record -g` (perf map on):
each sample goes to the step of the token path named by the frame nearest the leaf that matches one (a
step's own frames first; Kestrel and Orleans' messaging only when no step is on the stack).
Usage: perf script -i FILE -F comm,tid,ip,sym,dso | python3 bench/tokens/breakdown.py"""
import collections, re, sys

# (step, patterns): the first step whose pattern matches, walking from the leaf towards the root.
STEPS = [
    ('validation (JSON to events)', [r'EventValidator', r'JsonReader\b.*Validat']),
    ('hub: reading Publish (SignalR, JSON)', [r'JsonHubProtocol::(TryParse|Parse|Bind)', r'HubConnectionHandler`1\+<DispatchMessagesAsync>', r'DefaultHubDispatcher']),
    ('HTTP ingest endpoint', [r'LiveOrleans\.Api\.Endpoints\.Ingest', r'IngestEndpoints']),
    ('ingest service, admission, rate limit', [r'IngestService', r'IngestAdmission', r'RateLimit']),
    ('ingest grain (split per session)', [r'IngestGrain']),
    ('derived grains (index, day, agents)', [r'LiveChangeDispatcher', r'LiveIndexGrain', r'TenantDayGrain', r'AgentGrain', r'TenantGrain']),
    ('log and store', [r'Sqlite', r'EventLog', r'GroupCommit', r'LiveOrleans.Silo.Storage']),
    ('stream publish (session grain to queue)', [r'PublishToWatchersAsync', r'MemoryAdapterFactory', r'MemoryStreamQueueGrain', r'PersistentStreamProducer', r'StreamImpl`1.*OnNext', r'Codec_MemoryMessageBody::(Serialize|WriteField)', r'Codec_Token.*::(Serialize|WriteField)', r'DefaultMemoryMessageBodySerializer::Serialize']),
    ('stream pull and delivery', [r'PersistentStreamPullingAgent', r'MemoryAdapterReceiver', r'StreamConsumerExtension', r'MemoryBatchContainer', r'DefaultMemoryMessageBodySerializer::Deserialize', r'Codec_.*::(ReadValue|Deserialize)', r'StreamSubscriptions']),
    ('session grain (apply deltas)', [r'SessionGrain', r'SessionModel']),
    ('fan-out (tenant view, per watcher)', [r'TenantView', r'ConnectionQueue::Enqueue']),
    ('SignalR write (serialise, frame, send)', [r'ConnectionQueue', r'HubConnectionContext', r'WebSocketsServerTransport', r'SerializedHubMessage', r'JsonHubProtocol::Write', r'ManagedWebSocket', r'LiveHubLifetimeManager']),
    ('Kestrel, sockets', [r'Kestrel', r'System\.Net\.Sockets', r'SocketAsyncEngine']),
    ('Orleans messaging and scheduling', [r'\[Orleans\.', r'Orleans\.Runtime', r'Orleans\.Serialization', r'OrleansCodeGen']),
]
COMPILED = [(name, [re.compile(p) for p in pats]) for name, pats in STEPS]

counts = collections.Counter()
total = 0
for sample in sys.stdin.read().split('\n\n'):
    lines = [l.strip() for l in sample.strip().split('\n') if l.strip()]
    if len(lines) < 2:
        continue
    total += 1
    head, frames = lines[0], lines[1:]
    if 'Tiered Com' in head or any('libclrjit' in f for f in frames[:3]):
        counts['JIT (tiered compilation)'] += 1
        continue
    if '.NET BGC' in head or '.NET SigHandler' in head:
        counts['runtime: GC, allocation, thread pool'] += 1
        continue
    # The path's own steps first (nearest the leaf), then the generic ones (Kestrel, Orleans' messaging).
    step = None
    for steps in (COMPILED[:-2], COMPILED[-2:]):
        for f in frames:
            step = next((name for name, pats in steps if any(p.search(f) for p in pats)), None)
            if step:
                break
        if step:
            break
    if step is None:
        step = 'kernel (other)' if '[kernel' in frames[0] else 'runtime: GC, allocation, thread pool'
    counts[step] += 1

print(f'{total} samples')
for name, n in counts.most_common():
    print(f'{100 * n / total:5.1f} %  {name}')
