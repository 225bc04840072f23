# SPDX-License-Identifier: MIT
# Where the preload path's CPU goes (bench/preload_profile.sh): reads `perf script -F
# comm,tid,ip,sym,dso` of a `perf record -g` and prints, per thread role and category, the
# share of the samples and the CPU microseconds per operation.
#   perf script ... | python3 perf_where.py FREQ OPS PROGRAM_COMM...
# FREQ: perf record's -F; OPS: the operations done while recording (requests, calls).
# Roles: the host thread (named ustack-host), the other threads of ustack (the stack's loop
# thread does nearly all their work), the program (the comms given), anything else.
# A sample's category is its first match walking the call chain from the leaf: a kernel
# function of the scheduler (switching, waking a thread), unix sockets, the TAP, futex,
# epoll, sendfile or fstat; else the kernel; a user sample by its object (ustack's host
# code, ustack's stack, the preload library, libc, the program).
import re, sys

freq, ops = float(sys.argv[1]), float(sys.argv[2])
progs = set(sys.argv[3:])
HOST_SYMS = re.compile(r"^(host_|stream_|sock_kevent|sock_usevent|listener_|pass_conn|dgram_|"
                       r"api_accept|op_|reply$|connect_done|close_us|close_unix|sock_tomb|"
                       r"addr_in|resolve_|pl_)")
KERNEL_RULES = [
    (re.compile(r"^(finish_task_switch|__schedule$|schedule$|try_to_wake_up|ttwu_)"),
     "kernel: context switches, wake-ups"),
    (re.compile(r"^(__)?unix_|^scm_|^unix_"), "kernel: unix sockets (the program-host hop)"),
    (re.compile(r"^tun_"), "kernel: TAP read/write (and the kernel peer's TCP/IP inline)"),
    (re.compile(r"futex"), "kernel: futex (the stack lock, thread hand-off)"),
    (re.compile(r"sendfile|splice"), "kernel: sendfile"),
    (re.compile(r"epoll|^ep_"), "kernel: epoll (waiting, waking)"),
    (re.compile(r"fstatat|statx|vfs_fstat|getattr"), "kernel: fstat"),
]


def category(frames):
    """frames: [(sym, dso)] from the leaf."""
    sym, dso = frames[0]
    if "kernel" in dso:
        for s, d in frames:
            if "kernel" not in d:
                break
            for rx, name in KERNEL_RULES:
                if rx.search(s):
                    return name
        return "kernel: other (syscall entry, files, timers)"
    if dso.endswith("/ustack"):
        return "ustack: host (pump, requests)" if HOST_SYMS.search(sym) else "ustack: the stack"
    if "libustack-preload" in dso:
        return "preload library"
    if "/libc" in dso or "ld-linux" in dso:
        return "libc"
    return "the program's own code"


counts, roles, total = {}, {}, 0
tid, comm, frames = None, None, []


def flush():
    global total
    if tid is None or not frames:
        return
    if comm == "ustack-host":
        role = "host thread"
    elif comm == "ustack":
        role = "other ustack threads"
    elif comm in progs:
        role = "program"
    else:
        role = "other"
    cat = category(frames)
    counts[(role, cat)] = counts.get((role, cat), 0) + 1
    roles[role] = roles.get(role, 0) + 1
    total += 1


frame_rx = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")
for line in sys.stdin:
    if not line.strip():
        continue
    if not line[0].isspace():
        flush()
        head = line.split()
        comm, tid, frames = " ".join(head[:-1]), head[-1], []
        continue
    m = frame_rx.match(line)
    if m:
        frames.append((m.group(1), m.group(2)))
flush()
if not total:
    print("  no samples")
    sys.exit(0)
us = 1e6 / freq / ops
print("  %-24s %-62s %6s %9s" % ("thread", "where", "share", "us/op"))
for role in sorted(roles, key=lambda r: -roles[r]):
    print("  %-24s %-62s %5.1f%% %9.2f" % (role, "(all)", 100.0 * roles[role] / total, roles[role] * us))
    for (r, cat), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        if r == role and 100.0 * n / total >= 0.5:
            print("  %-24s %-62s %5.1f%% %9.2f" % ("", cat, 100.0 * n / total, n * us))
print("  (%d samples at %g Hz over %g operations; rows under 0.5%% left out)" % (total, freq, ops))
