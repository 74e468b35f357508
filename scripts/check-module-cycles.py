#!/usr/bin/env python3
"""Fails when a module of `api` imports one that imports it back, directly or through others.

Reads api/src: a module's edges are the crate modules its paths name (`crate::a::b`,
`super::x`, `self::y`, and a child module named by a bare `child::` path). Prints each circle
(strongly connected component) and exits 1 if there is one. Dependency-free, for `.ci/run`.
Hand-written because no maintained Rust tool checks module (not crate) cycles.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api", "src")
TESTS = re.compile(r"(?s)#\[cfg\(test\)\]\s*mod tests.*")


def modules():
    found = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib"):
                parts = parts[:-1]
            with open(path, encoding="utf-8") as f:
                found["::".join(parts) or "crate"] = TESTS.sub("", f.read())
    return found


def resolve(mods, current, path):
    segs = path.split("::")
    here = [] if current == "crate" else current.split("::")
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    elif segs[0] == "super":
        base, segs = here[:-1], segs[1:]
        while segs and segs[0] == "super":
            base, segs = base[:-1], segs[1:]
    elif segs[0] == "self":
        base, segs = here, segs[1:]
    else:
        return None
    wanted = base + segs
    for k in range(len(wanted), 0, -1):
        name = "::".join(wanted[:k])
        if name in mods:
            return name
    return None


def edges(mods):
    out = {m: set() for m in mods}
    for m, src in mods.items():
        for path in re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", src):
            t = resolve(mods, m, path)
            if t and t != m:
                out[m].add(t)
        for root, items in re.findall(r"\b(crate|super)::\{([^}]*)\}", src):
            for item in items.split(","):
                item = item.strip().split(" ")[0]
                t = resolve(mods, m, f"{root}::{item}") if item else None
                if t and t != m:
                    out[m].add(t)
        prefix = "" if m == "crate" else m + "::"
        for child in mods:
            rest = child[len(prefix):]
            if child.startswith(prefix) and child != m and "::" not in rest:
                if re.search(r"(?<![:\w])" + rest + r"::", src):
                    out[m].add(child)
    return out


def circles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return found


if __name__ == "__main__":
    graph = edges(modules())
    found = circles(graph)
    for component in found:
        print("circle:", " <-> ".join(component))
        for m in component:
            print("   ", m, "->", ", ".join(sorted(x for x in graph[m] if x in component)))
    print(f"{len(graph)} modules of api, {len(found)} circle(s)")
    sys.exit(1 if found else 0)
