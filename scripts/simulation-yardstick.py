#!/usr/bin/env python3
"""qiflow's simulation beside two peer open-source simulators, Ciw (MIT) and SimPy (MIT).

They are yardsticks only, never dependencies of qiflow: this script runs them from a virtual
environment of its own.

    python3 scripts/simulation-yardstick.py compare [--qiflow target/debug/qiflow]
        Three networks (a tandem line with a full queue blocking the step before it, a network
        with a loop and a transition delay, a clinic whose servers follow a daily schedule) in
        qiflow and in Ciw, and every output side by side: lead time (mean, median, p90, p95),
        throughput, and per step the queue wait (mean, p90) and utilisation. Two results agree
        when the 99% interval of their difference holds 0. Exits 1 on any disagreement.

    python3 scripts/simulation-yardstick.py speed [--qiflow target/release/qiflow]
        Patients per second through the demo hip fracture pathway (with servers on four steps) in
        qiflow, Ciw and SimPy, in one run, as a table.

Each document below is qiflow's pathway document; the Ciw network is built from the same
document (a transition with a delay becomes a Ciw node with unlimited servers whose service time
is the delay), so both simulate one model.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import ciw
import simpy

DAY = 1440.0
ORG = [{"odsCode": "RX1", "name": "Trust", "kind": "ACUTE_TRUST"}]


def step(key, kind="ACTIVITY", **extra):
    s = {"key": key, "name": key, "kind": kind, "organisation": "RX1"}
    s.update(extra)
    return s


def expo(mean):
    return {"distribution": "EXPONENTIAL", "meanMinutes": mean}


def document(name, per_minute, steps, transitions):
    return {"name": name, "owner": "RX1", "demandPerDay": per_minute * DAY,
            "organisations": ORG, "steps": steps, "transitions": transitions}


TANDEM = document("tandem line with blocking", 0.1, [
    step("arrive", "START"),
    step("triage", servers=1, serviceTime=expo(8)),
    step("assess", servers=2, queueCapacity=3,
         serviceTime={"distribution": "LOGNORMAL", "meanMinutes": 14, "sdMinutes": 6}),
    step("treat", servers=1, serviceTime=expo(7)),
    step("leave", "END"),
], [
    {"from": "arrive", "to": "triage"}, {"from": "triage", "to": "assess"},
    {"from": "assess", "to": "treat"}, {"from": "treat", "to": "leave"},
])

LOOP = document("network with a loop and a delay", 0.06, [
    step("arrive", "START"),
    step("clerk", servers=2, serviceTime=expo(15)),
    step("scan", servers=1,
         serviceTime={"distribution": "GAMMA", "meanMinutes": 6, "sdMinutes": 3}),
    step("review", servers=1, serviceTime={"distribution": "TRIANGULAR", "meanMinutes": 9,
                                           "minMinutes": 5, "maxMinutes": 15}),
    step("leave", "END"),
], [
    {"from": "arrive", "to": "clerk"}, {"from": "clerk", "to": "scan"},
    {"from": "scan", "to": "clerk", "probability": 0.25},
    {"from": "scan", "to": "review", "probability": 0.75, "delay": expo(30)},
    {"from": "review", "to": "leave"},
])

DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
SCHEDULED = document("clinic with a daily schedule", 0.06, [
    step("arrive", "START"),
    step("clinic", serviceTime=expo(20), schedule=[
        {"days": DAYS, "fromHour": 0, "toHour": 8, "servers": 1},
        {"days": DAYS, "fromHour": 8, "toHour": 18, "servers": 3},
        {"days": DAYS, "fromHour": 18, "toHour": 24, "servers": 1},
    ]),
    step("leave", "END"),
], [{"from": "arrive", "to": "clinic"}, {"from": "clinic", "to": "leave"}])

NETWORKS = [(TANDEM, 4 * DAY), (LOOP, 4 * DAY), (SCHEDULED, 14 * DAY)]


# --- the document as a Ciw network ---------------------------------------------------------

def ciw_dist(time):
    if time is None:
        return ciw.dists.Deterministic(value=0.0)
    kind = time["distribution"]
    mean = time.get("meanMinutes", 0.0)
    if kind == "FIXED":
        return ciw.dists.Deterministic(value=mean)
    if kind == "EXPONENTIAL":
        return ciw.dists.Exponential(rate=1.0 / mean)
    if kind == "LOGNORMAL":
        sd = time["sdMinutes"]
        sigma2 = math.log(1 + (sd / mean) ** 2)
        return ciw.dists.Lognormal(mean=math.log(mean) - sigma2 / 2, sd=math.sqrt(sigma2))
    if kind == "GAMMA":
        sd = time["sdMinutes"]
        return ciw.dists.Gamma(shape=(mean / sd) ** 2, scale=sd * sd / mean)
    if kind == "TRIANGULAR":
        lo, hi = time["minMinutes"], time["maxMinutes"]
        return ciw.dists.Triangular(lower=lo, mode=3 * mean - lo - hi, upper=hi)
    if kind == "EMPIRICAL":
        return ciw.dists.Empirical(observations=time["samples"])
    raise ValueError(kind)


def servers_by_hour(s):
    hours = [0] * 168
    for session in s["schedule"]:
        for day in session["days"]:
            base = DAYS.index(day) * 24
            for h in range(session["fromHour"], session["toHour"]):
                hours[base + h] = session["servers"]
    return hours


def ciw_servers(s):
    if "schedule" in s:
        hours = servers_by_hour(s)
        numbers, ends = [], []
        for h, n in enumerate(hours):
            if numbers and numbers[-1] == n:
                ends[-1] = (h + 1) * 60.0
            else:
                numbers.append(n)
                ends.append((h + 1) * 60.0)
        return ciw.Schedule(numbers_of_servers=numbers, shift_end_dates=ends)
    return s.get("servers", float("inf"))


def ciw_network(doc):
    """Nodes: the steps in order, then one node per transition with a delay."""
    keys = [s["key"] for s in doc["steps"]]
    delays = [t for t in doc["transitions"] if "delay" in t or t.get("waitMinutes", 0) > 0]
    n = len(keys) + len(delays)
    routing = [[0.0] * n for _ in range(n)]
    services = [ciw_dist(s.get("serviceTime", {"distribution": "FIXED",
                                               "meanMinutes": s.get("touchMinutes", 0.0)}))
                for s in doc["steps"]]
    servers = [ciw_servers(s) for s in doc["steps"]]
    capacities = [s.get("queueCapacity", float("inf")) for s in doc["steps"]]
    outs = {}
    for t in doc["transitions"]:
        outs.setdefault(t["from"], []).append(t)
    d = len(keys)
    for t in doc["transitions"]:
        a, b = keys.index(t["from"]), keys.index(t["to"])
        p = t.get("probability", 1.0 if len(outs[t["from"]]) == 1 else None)
        if t in delays:
            routing[a][d] += p
            routing[d][b] = 1.0
            services.append(ciw_dist(t.get("delay", {"distribution": "FIXED",
                                                     "meanMinutes": t.get("waitMinutes", 0)})))
            servers.append(float("inf"))
            capacities.append(float("inf"))
            d += 1
        else:
            routing[a][b] += p
    start = next(i for i, s in enumerate(doc["steps"]) if s["kind"] == "START")
    rate = doc["demandPerDay"] / DAY
    arrivals = [ciw.dists.Exponential(rate=rate) if i == start else None for i in range(n)]
    network = ciw.create_network(
        arrival_distributions=arrivals, service_distributions=services,
        number_of_servers=servers, routing=routing, queue_capacities=capacities)
    return network, keys


def t_half(values, level):
    n = len(values)
    if n < 2:
        return 0.0
    from statistics import NormalDist
    # t quantiles for the replication counts used here (df = n - 1), from standard tables.
    table = {(0.95, 9): 2.262, (0.95, 19): 2.093, (0.99, 9): 3.250, (0.99, 19): 2.861}
    t = table.get((level, n - 1)) or NormalDist().inv_cdf(0.5 + level / 2)
    return t * statistics.stdev(values) / math.sqrt(n)


def quantile(sorted_values, q):
    if not sorted_values:
        return 0.0
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def ciw_replication(doc, seed, warm_up, patients):
    network, keys = ciw_network(doc)
    ciw.seed(seed)
    q = ciw.Simulation(network)
    rate = doc["demandPerDay"] / DAY
    window = patients / rate
    q.simulate_until_max_time(warm_up + window + 20 * DAY)
    records = q.get_all_records()
    first = {}
    for r in records:
        if r.record_type == "service":
            first[r.id_number] = min(first.get(r.id_number, math.inf), r.arrival_date)
    measured = {i for i, a in first.items() if warm_up <= a < warm_up + window}
    leave = {}
    waits = {k: [] for k in keys}
    busy = {k: 0.0 for k in keys}
    for r in records:
        if r.record_type != "service":
            continue
        node = r.node - 1
        if node < len(keys):
            key = keys[node]
            lo, hi = max(r.service_start_date, warm_up), min(r.exit_date, warm_up + window)
            if hi > lo:
                busy[key] += hi - lo
            if r.id_number in measured:
                waits[key].append(r.waiting_time)
        if r.id_number in measured:
            leave[r.id_number] = max(leave.get(r.id_number, 0.0), r.exit_date)
    lead = sorted(leave[i] - first[i] for i in measured if i in leave)
    out = {"lead.mean": statistics.fmean(lead), "lead.median": quantile(lead, 0.5),
           "lead.p90": quantile(lead, 0.9), "lead.p95": quantile(lead, 0.95),
           "throughput": sum(1 for i in leave if warm_up <= leave[i] < warm_up + window)
           / (window / DAY)}
    for s in doc["steps"]:
        k = s["key"]
        if "servers" not in s and "schedule" not in s:
            continue
        w = sorted(waits[k])
        out[f"{k}.wait.mean"] = statistics.fmean(w) if w else 0.0
        out[f"{k}.wait.p90"] = w[round((len(w) - 1) * 0.9)] if w else 0.0
        if "schedule" in s:
            hours = servers_by_hour(s)
            capacity = sum(hours[int((warm_up + m) // 60) % 168] for m in range(int(window))) * 1.0
        else:
            capacity = s["servers"] * window
        out[f"{k}.utilisation"] = busy[k] / capacity
    return out


def qiflow_run(qiflow, doc, warm_up, patients, replications, seed):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        text = subprocess.run(
            [qiflow, "simulate", f.name, "--format", "json", "--patients", str(patients),
             "--replications", str(replications), "--seed", str(seed),
             "--warm-up-minutes", str(warm_up)],
            check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(text)


def qiflow_outputs(result):
    """Each output with the half-width of its 95% interval."""
    def half(ci):
        return (ci[1] - ci[0]) / 2
    lead = result["leadTimeMinutes"]
    out = {"lead.mean": (lead["mean"], half(lead["ci95"])),
           "lead.median": (lead["median"], half(lead["medianCi95"])),
           "lead.p90": (lead["p90"], half(lead["p90Ci95"])),
           "lead.p95": (lead["p95"], half(lead["p95Ci95"])),
           "throughput": (result["throughputPerDay"]["mean"],
                          half(result["throughputPerDay"]["ci95"]))}
    for s in result["steps"]:
        if s["utilisation"] is None:
            continue
        w = s["queueWaitMinutes"]
        out[f"{s['key']}.wait.mean"] = (w["mean"], half(w["ci95"]))
        out[f"{s['key']}.wait.p90"] = (w["p90"], half(w["p90Ci95"]))
        out[f"{s['key']}.utilisation"] = (s["utilisation"], half(s["utilisationCi95"]))
    return out


def compare(args):
    replications, patients = 10, args.patients
    failures = 0
    print(f"{'network':<34} {'output':<22} {'qiflow':>18} {'Ciw':>18} {'agree':>6}")
    for doc, warm_up in NETWORKS:
        q = qiflow_outputs(qiflow_run(args.qiflow, doc, warm_up, patients, replications, 7))
        runs = [ciw_replication(doc, 100 + r, warm_up, patients // replications)
                for r in range(replications)]
        for name, (value, half95) in q.items():
            values = [r[name] for r in runs]
            mean = statistics.fmean(values)
            c_half95 = t_half(values, 0.95)
            # 99% interval of the difference: the 95% half-widths scaled to 99% (t(9): 3.250/2.262).
            allowed = math.hypot(half95, c_half95) * 3.250 / 2.262
            ok = abs(value - mean) <= allowed
            failures += not ok
            print(f"{doc['name']:<34} {name:<22} {value:>10.3f} ±{half95:<7.3f}"
                  f"{mean:>10.3f} ±{c_half95:<7.3f} {'yes' if ok else 'NO':>6}")
    print(f"{failures} disagreement(s)")
    return 1 if failures else 0


# --- speed ---------------------------------------------------------------------------------

def hip_fracture_with_servers():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "api", "src", "demo", "hip_fracture.json")) as f:
        doc = json.load(f)
    for s in doc["steps"]:
        if s["key"] in ("ed_assess", "xray", "surgery", "ortho_clerk"):
            s["servers"] = {"ed_assess": 2, "xray": 1, "surgery": 1, "ortho_clerk": 1}[s["key"]]
            s["serviceTime"] = expo(s["touchMinutes"])
    return doc


def simpy_run(doc, patients, seed):
    """The same model written for SimPy: a process per patient, a Resource per step with servers."""
    rng = random.Random(seed)
    env = simpy.Environment()
    steps = {s["key"]: s for s in doc["steps"]}
    resources = {k: simpy.Resource(env, capacity=s["servers"])
                 for k, s in steps.items() if "servers" in s}
    outs = {}
    for t in doc["transitions"]:
        outs.setdefault(t["from"], []).append(t)
    start = next(k for k, s in steps.items() if s["kind"] == "START")

    def draw(time, fallback):
        if time is None:
            return fallback
        if time["distribution"] == "EXPONENTIAL":
            return rng.expovariate(1.0 / time["meanMinutes"])
        return time.get("meanMinutes", fallback)

    lead = []

    def patient(env):
        arrived = env.now
        key = start
        while True:
            s = steps[key]
            service = draw(s.get("serviceTime"), s.get("touchMinutes", 0.0))
            if key in resources:
                with resources[key].request() as req:
                    yield req
                    yield env.timeout(service)
            else:
                yield env.timeout(service)
            ways = outs.get(key)
            if not ways:
                lead.append(env.now - arrived)
                return
            r, acc = rng.random(), 0.0
            chosen = ways[-1]
            for t in ways:
                acc += t.get("probability", 1.0)
                if r < acc:
                    chosen = t
                    break
            yield env.timeout(draw(chosen.get("delay"), chosen.get("waitMinutes", 0.0)))
            key = chosen["to"]

    def source(env):
        rate = doc["demandPerDay"] / DAY
        for _ in range(patients):
            yield env.timeout(rng.expovariate(rate))
            env.process(patient(env))

    env.process(source(env))
    env.run()
    return len(lead)


def speed(args):
    doc = hip_fracture_with_servers()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    rows = []
    n = 1_000_000
    t0 = time.perf_counter()
    subprocess.run([args.qiflow, "simulate", f.name, "--format", "json", "--patients", str(n),
                    "--replications", "10", "--warm-up-minutes", "0"],
                   check=True, capture_output=True)
    rows.append(("qiflow (10 replications, 2 cores)", n, time.perf_counter() - t0))
    os.unlink(f.name)
    small = args.yardstick_patients
    t0 = time.perf_counter()
    network, _ = ciw_network(doc)
    ciw.seed(1)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(small / (doc["demandPerDay"] / DAY))
    done = len({r.id_number for r in q.get_all_records()})
    rows.append(("Ciw 3 (one run)", done, time.perf_counter() - t0))
    t0 = time.perf_counter()
    done = simpy_run(doc, small, 1)
    rows.append(("SimPy 4 (one run)", done, time.perf_counter() - t0))
    print(f"{'simulator':<36} {'patients':>10} {'seconds':>9} {'patients/s':>12} {'qiflow is':>10}")
    base = rows[0][1] / rows[0][2]
    for name, patients, seconds in rows:
        rate = patients / seconds
        print(f"{name:<36} {patients:>10} {seconds:>9.2f} {rate:>12.0f} {base / rate:>9.0f}x")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["compare", "speed"])
    parser.add_argument("--qiflow", default="target/release/qiflow")
    parser.add_argument("--patients", type=int, default=40_000,
                        help="patients per network in compare (over 10 replications)")
    parser.add_argument("--yardstick-patients", type=int, default=20_000,
                        help="patients Ciw and SimPy simulate in speed")
    args = parser.parse_args()
    sys.exit(compare(args) if args.what == "compare" else speed(args))


if __name__ == "__main__":
    main()
