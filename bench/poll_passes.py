#!/usr/bin/env python3
"""Poll passes alone, many of them: the bench's world (run_bench.World: host, plugin, simulator),
N open links created through the dialog with the limit off, then P passes at the simulator's
2 ms latency fault, each as the plugin's own «pass done» line reports it, with the CPU that
pms-host and invoicebox-sim spent meanwhile. For an A/B of a change on the poll path: the full
bench measures the pass 3 or 5 times among everything else; this gives P samples in minutes.

    python3 bench/poll_passes.py <build folder> <source folder> [links=3000] [passes=10]
                                 [untimed_first=1]

untimed_first=0 times the first pass after the seeding too (as the full bench does), which is
otherwise run once untimed: it is where a memo built on first use shows. The links are spread
over POLL_FOLIOS (20) folios as the bench's are. Prints one line per pass
and a last line of medians and min–max; the ratio is to the bench's bound (requests × latency ÷
min(requests, 4 pooled connections))."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb  # noqa: E402


def run(w, links, passes, untimed_first):
    w.sim_config({"rateLimit": {"requests": 0, "windowSeconds": 30}})
    rb.poll_pass(w, 120, rate_limit_requests=0)
    t0 = time.monotonic()
    folios = rb.add_folios(w.db_file, w.folio_id, rb.POLL_FOLIOS)
    rb.seed_in_parallel(w, zip(folios, rb.shares(links, len(folios))))
    rb.log(f"seeded {links} open links on {len(folios)} folios in {time.monotonic() - t0:.1f} s")
    w.faults({"latency": {"ms": rb.POLL_LATENCY_MS}})
    if untimed_first:
        rb.poll_pass(w, 600, rate_limit_requests=0)  # the first pass after the seeding
    ms, ratio, host, sim = [], [], [], []
    for i in range(passes):
        host_cost, sim_cost = rb.ProcCost(w.host.proc.pid), rb.ProcCost(w.sim.proc.pid)
        p = rb.poll_pass(w, 600, rate_limit_requests=0)
        host_ms, sim_ms = host_cost.stop(1)[0] / 1000, sim_cost.stop(1)[0] / 1000
        if p is None:
            raise RuntimeError("a pass did not finish")
        n = len(p["requests"])
        ms.append(p["ms"])
        ratio.append(p["ms"] / rb.concurrency_bound_ms(n))
        host.append(host_ms)
        sim.append(sim_ms)
        print(f"pass {i + 1}: {p['ms']} ms, {p['open']} open links, {n} requests, "
              f"pms-host CPU {host_ms:.1f} ms, invoicebox-sim CPU {sim_ms:.1f} ms", flush=True)
    print(f"{passes} passes over {links} links: {rb.median_range(ms)} ms, {rb.median_range(ratio)}× the bound; "
          f"CPU pms-host {rb.median_range(host)} ms, invoicebox-sim {rb.median_range(sim)} ms", flush=True)


if __name__ == "__main__":
    sys.exit(rb.ab_script(__doc__, [3000, 10, 1], "pms-poll-passes-", run))
