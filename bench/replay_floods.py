#!/usr/bin/env python3
"""Replay floods alone, many of them: the bench's world (run_bench.World: host, plugin,
simulator, the bare Beast server), one link paid for real, then R rounds of the ingress row: a
flood of that order's replayed notification against the bare server and against pms-host,
alternating which goes first, each wrapped in its process's CPU count. For an A/B of a change on
the notification path: the full bench measures the row 5 times among everything else; this gives
R samples in a few minutes.

    python3 bench/replay_floods.py <build folder> <source folder> [rounds=7] [seconds=10]
                                   [connections=16]

Prints one line per round and a last line of medians and min–max: req/s of both, their ratio
(the bench's target is ≥ 0.6) and the CPU per request of both. The host's pid is printed first,
for `perf record -p` during a round."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb  # noqa: E402


def run(w, rounds, seconds, connections):
    rb.limit_off(w)
    rb.seed_links(w, 1, w.folio_id, limited=False)
    created = [o for o in w.sim_orders("?status=created") if o.get("merchantId") == rb.MERCHANT]
    body, signature = rb.replay_notification(w, created[0]["id"])
    # The limit stays off: a replay sends InvoiceBox nothing, and the bench's 31 s wait for
    # the window would only lengthen the run.
    request = [rb.hook_request(w, body, signature)]
    print(f"pms-host pid {w.host.proc.pid}, bare server pid {w.bare.proc.pid}", flush=True)

    def flood(child, url, expect):
        cost = rb.ProcCost(child.proc.pid)
        r = w.load.run(url, request, connections, seconds, expect=expect)
        rb.check_ok("flood", r)
        return r["rps"], cost.stop(r["ok"])[0]

    bare_rps, host_rps, ratio, bare_us, host_us = [], [], [], [], []
    for i in range(rounds):
        runs = [("bare", w.bare, w.bare_url, "success"), ("host", w.host, w.host_url, '"success"')]
        if i % 2:
            runs.reverse()
        got = {name: flood(child, url, expect) for name, child, url, expect in runs}
        bare_rps.append(got["bare"][0])
        host_rps.append(got["host"][0])
        ratio.append(got["host"][0] / got["bare"][0])
        bare_us.append(got["bare"][1])
        host_us.append(got["host"][1])
        print(f"round {i + 1}: bare {got['bare'][0]:,.0f} req/s ({got['bare'][1]:.1f} µs), "
              f"pms-host {got['host'][0]:,.0f} req/s ({got['host'][1]:.1f} µs), "
              f"ratio {ratio[-1]:.3f}", flush=True)
    print(f"{rounds} rounds × {seconds:g} s, {connections} connections: bare {rb.median_range(bare_rps, '{:,.0f}')} req/s, "
          f"pms-host {rb.median_range(host_rps, '{:,.0f}')} req/s, ratio {rb.median_range(ratio, '{:.3f}')}; CPU per request: "
          f"bare {rb.median_range(bare_us)} µs, pms-host {rb.median_range(host_us)} µs", flush=True)


if __name__ == "__main__":
    sys.exit(rb.ab_script(__doc__, [7, 10.0, 16], "pms-replay-floods-", run))
