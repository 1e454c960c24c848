#!/usr/bin/env python3
"""First deliveries alone, many rounds of them: the bench's world (run_bench.World: host,
plugin, simulator), N links per round on a folio of their own created with the limit off, then R
rounds of the first-delivery row: the round's orders paid (their notifications refused, see
run_bench.first_delivery_bodies) and each delivered once, 4 connections at a time, wrapped in
the host's CPU count and `perf stat`'s syscall counts. For an A/B of a change on the durable
path: the full bench measures the row 5 times among everything else; this gives R samples in a
few minutes.

    python3 bench/first_deliveries.py <build folder> <source folder> [rounds=7] [per_round=200]

Prints one line per round and a last line of medians and min–max: req/s, p50, host CPU per
delivery, durable commits and pwrite calls per delivery (when perf can count them). After each
round it counts the frames of the host's WAL (its last commits, up to 1,000 pages) per commit by
the table or index they belong to. The host's pid is printed first, for `perf record -p`, and
each round's line ends with the CLOCK_MONOTONIC span it counted, the clock `perf script`
stamps samples with."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb  # noqa: E402


def run(w, rounds, per_round):
    # The limit stays off: deliveries send InvoiceBox nothing, and seeding stays quick.
    rb.limit_off(w)
    w.fd_folio = rb.add_folios(w.db_file, w.folio_id, 1)[0]
    t0 = time.monotonic()
    rb.seed_in_parallel(w, [(w.fd_folio, n) for n in rb.shares(per_round * rounds, rb.SEED_THREADS)])
    orders = [o["id"] for o in w.sim_orders("?status=created") if o.get("merchantId") == rb.MERCHANT]
    if len(orders) != per_round * rounds:
        raise RuntimeError(f"{len(orders)} open orders, expected {per_round * rounds}")
    rb.log(f"seeded {len(orders)} links in {time.monotonic() - t0:.1f} s")
    print(f"pms-host pid {w.host.proc.pid}", flush=True)

    rps, p50, cpu, syncs, writes = [], [], [], [], []
    for i in range(rounds):
        fd = rb.deliver_first(w, orders[i * per_round:(i + 1) * per_round])
        if fd["raced"]:
            print(f"round {i + 1}: left out, the plugin's own pass ran: {fd['raced'][0].strip()}", flush=True)
            continue
        rps.append(fd["rps"])
        p50.append(fd["p50_ms"])
        cpu.append(fd["cpu_us"])
        counted = ""
        if fd["synced"] is not None:
            syncs.append(fd["synced"]["syncs"] / fd["n"])
            writes.append(fd["synced"]["writes"] / fd["n"])
            counted = f", {syncs[-1]:.2f} commits, {writes[-1]:.1f} pwrite"
        print(f"round {i + 1}: {fd['rps']:,.0f} req/s, p50 {fd['p50_ms']:.2f} ms, "
              f"{fd['cpu_us']:.0f} µs of host CPU{counted} per delivery "
              f"(monotonic {fd['window'][0]:.3f}–{fd['window'][1]:.3f})", flush=True)
        # The round's last commits, page by page: where a first delivery's writes go.
        frames, commits = rb.wal_frames_by_btree(w.db_file)
        total = sum(frames.values())
        if commits:
            print(f"  WAL: {total} frames in {commits} commits, per commit: " + ", ".join(
                f"{name} {n / commits:.2f}" for name, n in sorted(frames.items(), key=lambda x: -x[1])), flush=True)
    counted = (f", commits {rb.median_range(syncs, '{:.2f}')}, pwrite {rb.median_range(writes)}"
               if syncs else ", commits not counted (needs perf and syscall tracepoints)")
    print(f"{len(rps)} rounds × {per_round} deliveries, {rb.SMALL_CONNECTIONS} connections: "
          f"{rb.median_range(rps, '{:,.0f}')} req/s, p50 {rb.median_range(p50, '{:.2f}')} ms, "
          f"host CPU {rb.median_range(cpu, '{:.0f}')} µs per delivery{counted}", flush=True)


if __name__ == "__main__":
    sys.exit(rb.ab_script(__doc__, [7, 200], "pms-first-deliveries-", run))
