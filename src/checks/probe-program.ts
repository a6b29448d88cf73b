/**
 * The continuous multi-flow UDP probe, a small Python 3 program run inside a lab node as
 * `python3 -c PROBE_PY key=value...` through Runtime.exec (so it runs unchanged in a netns
 * and in a container). Python because it exists on the host (netns runtime) and in the
 * node image (python3-minimal): only built-in modules are used (no json: the output is
 * formatted by hand).
 *
 * One instance per end, symmetric: it listens on local:port and, when `remote` is given,
 * sends one datagram per flow every `interval_us` from local:(sport+i) to remote:port, i in
 * [0, flows). Distinct source ports are distinct L4 hashes, so flows spread over the ECMP
 * paths. Each datagram carries magic, run id, flow, seq and the send time (CLOCK_REALTIME,
 * µs: both ends and bgplab share the host clock, so times compare with the event times).
 *
 * It prints `sending` (flushed) with its first datagram, so the caller knows it is running
 * (Runtime.execStream). Bounded: it stops sending after `max_ms` (or earlier on SIGTERM),
 * listens `linger_ms` more for datagrams in flight, drains its socket, prints one JSON line
 * and exits.
 *
 * It also reports the send times of its first 256 datagrams (headUs), so the receiver's
 * losses before its first datagram count only from when it listened.
 *
 * Output per received flow: count, first/last [seq, sendUs], and the holes: runs of
 * missing seqs between received ones as [lastSeqBefore, sendUsBefore, firstSeqAfter,
 * sendUsAfter] (at most 200, the longest kept). Outage computation lives in probe.ts.
 */
export const PROBE_PY = String.raw`
import socket, struct, sys, time, select, signal
from array import array
A = dict(a.split('=', 1) for a in sys.argv[1:])
RUN = bytes.fromhex(A['run'])
LOCAL = A['local']
REMOTE = A.get('remote', '')
PORT = int(A['port'])
SPORT = int(A['sport'])
N = int(A['flows'])
IV = int(A['interval_us']) * 1000
DELAY = int(A['delay_ms']) * 1000000
MAXD = int(A['max_ms']) * 1000000
LINGER = int(A['linger_ms']) * 1000000
CAP = MAXD // IV + 2
PKT = struct.Struct('!4s4sHHIq')
MAGIC = b'bglp'
mono = time.monotonic_ns
def rt():
    return time.time_ns() // 1000

rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
rx.bind((LOCAL, PORT))
rx.setblocking(False)
tx = []
if REMOTE:
    for i in range(N):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((LOCAL, SPORT + i))
        s.setblocking(False)
        tx.append(s)
got = [bytearray(CAP) for _ in range(N)]
ts = [array('q', bytes(8 * CAP)) for _ in range(N)]
cnt = [0] * N
maxseq = [-1] * N
dup = [0] * N
reord = [0] * N
maxdelay = [0] * N
foreign = 0
stopped = False
listen_start = rt()
t0 = mono()
next_tick = t0 + DELAY
send_deadline = next_tick + MAXD
stop_at = None
seq = 0
send_first = 0
send_last = 0
errors = 0
# send times of the first HEAD datagrams: which of the first ones were lost after the receiver listened
HEAD = 256
head = []
hiccups = 0
max_lag = 0
dst = (REMOTE, PORT)

def drain():
    global foreign
    while True:
        try:
            data, addr = rx.recvfrom(128)
        except (BlockingIOError, InterruptedError):
            return
        if len(data) == PKT.size and data[:4] == MAGIC:
            magic, run, f, _, q, sent = PKT.unpack(data)
            if run != RUN or f >= N or q >= CAP:
                foreign += 1
                continue
            g = got[f]
            if g[q]:
                dup[f] += 1
                continue
            g[q] = 1
            ts[f][q] = sent
            cnt[f] += 1
            if q < maxseq[f]:
                reord[f] += 1
            else:
                maxseq[f] = q
            d = rt() - sent
            if d > maxdelay[f]:
                maxdelay[f] = d
        else:
            foreign += 1

def on_term(*_):
    global stopped
    stopped = True
signal.signal(signal.SIGTERM, on_term)
if not REMOTE:
    sys.stdout.write('sending\n')
    sys.stdout.flush()

while True:
    m = mono()
    if stop_at is None and (stopped or m >= send_deadline or seq >= CAP - 1):
        stop_at = m
    if stop_at is not None:
        if m >= stop_at + LINGER:
            break
        timeout = stop_at + LINGER - m
    elif tx and m >= next_tick:
        t = rt()
        for i in range(N):
            try:
                tx[i].sendto(PKT.pack(MAGIC, RUN, i, 0, seq, t), dst)
            except OSError:
                errors += 1
        if seq == 0:
            send_first = t
            sys.stdout.write('sending\n')
            sys.stdout.flush()
        if seq < HEAD:
            head.append(t)
        send_last = t
        seq += 1
        next_tick += IV
        lag = mono() - next_tick
        if lag > max_lag:
            max_lag = lag
        if lag > IV:
            # the sender stalled (CPU): skip the missed ticks instead of bursting; send
            # times in the datagrams keep the outage arithmetic honest
            hiccups += 1
            next_tick = mono()
        timeout = 0
    else:
        timeout = (next_tick - m) if tx else (send_deadline - m)
        if stopped:
            timeout = 0
    # at most 50 ms: a SIGTERM during a long wait (a receive-only end) is seen at once
    r, _, _ = select.select([rx], [], [], min(max(0, timeout), 50000000) / 1e9)
    if r:
        drain()
drain()
listen_end = rt()

def holes(f):
    g = got[f]
    out = []
    last = maxseq[f]
    first = g.find(1)
    p = first
    while True:
        z = g.find(0, p, last)
        if z < 0:
            break
        e = g.find(1, z, last + 1)
        out.append((ts[f][e] - ts[f][z - 1], z - 1, ts[f][z - 1], e, ts[f][e]))
        p = e
    if len(out) > 200:
        out.sort(reverse=True)
        out = out[:200]
        out.sort(key=lambda h: h[1])
    return ['[%d,%d,%d,%d]' % h[1:] for h in out], len(out)

flows = []
for f in range(N):
    if cnt[f] == 0:
        flows.append('{"count":0,"first":null,"last":null,"holes":[],"dup":%d,"reordered":0,"maxDelayUs":0}' % dup[f])
        continue
    first = got[f].find(1)
    h = holes(f)
    flows.append('{"count":%d,"first":[%d,%d],"last":[%d,%d],"holes":[%s],"dup":%d,"reordered":%d,"maxDelayUs":%d}' % (
        cnt[f], first, ts[f][first], maxseq[f], ts[f][maxseq[f]], ','.join(h[0]), dup[f], reord[f], maxdelay[f]))
print('{"v":1,"local":"%s","remote":"%s","flows":%d,"intervalUs":%d,"listenStartUs":%d,"listenEndUs":%d,'
      '"sent":%d,"sendStartUs":%d,"sendEndUs":%d,"sendErrors":%d,"hiccups":%d,"maxLagUs":%d,"stopped":%s,"foreign":%d,"headUs":[%s],"rx":[%s]}' % (
    LOCAL, REMOTE, N, IV // 1000, listen_start, listen_end, seq, send_first, send_last, errors, hiccups, max_lag // 1000,
    'true' if stopped else 'false', foreign, ','.join('%d' % x for x in head), ','.join(flows)))
`;
