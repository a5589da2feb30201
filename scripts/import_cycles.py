#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle.

Reads every `.rs` file under each given `src/` folder, collects the `crate::…` and
`super::…` paths its code uses (comments and `#[cfg(test)]` code excluded; `{a, b}` groups
expanded), collapses each file to its top-level module (`state/chunks.rs` is `state`), and
reports every strongly connected group of modules. A module's children may use their
parent and each other; modules may not use each other both ways. A regular-expression
reading of Rust, not a compiler's: it sees `use` lines and written-out paths, which is how
this code base names things.

    scripts/import_cycles.py pipeline/src renderer/src
    scripts/import_cycles.py --self-test
    scripts/import_cycles.py --layers renderer/src "http > state > render_path, textures > ..."

With `--layers`, the modules named are also held to their order: a module may use modules
of its own layer or of layers after it (further down), never one before it. Modules not
named are not held to any layer.
"""
import collections
import os
import re
import sys
import tempfile


def edges_of(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)[:-3]
                if rel.endswith("/mod"):
                    rel = rel[:-4]
                if rel in ("lib", "main"):
                    continue
                with open(path, encoding="utf-8") as f:
                    files[rel] = f.read()
    top = lambda m: m.split("/")[0]
    edges = collections.defaultdict(set)

    def expand(m):
        return " ".join(m.group(1) + "::" + p.strip() for p in m.group(2).split(",") if p.strip())

    for module, src in files.items():
        src = src.split("#[cfg(test)]")[0]
        src = "\n".join(l for l in src.split("\n") if not l.strip().startswith("//"))
        for _ in range(2):
            src = re.sub(r"\b(crate|super)::\{([^{}]*)\}", expand, src)
        targets = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", src))
        parent = os.path.dirname(module)
        if not parent:  # a top-level file's `super::x` is `crate::x`
            targets |= set(re.findall(r"\bsuper::([a-z_][a-z0-9_]*)", src))
        for t in targets:
            if t in {top(f) for f in files} and t != top(module):
                edges[top(module)].add(t)
        edges.setdefault(top(module), set())
    return edges


def cycles(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def parse_layers(spec):
    return [[m.strip() for m in layer.split(",") if m.strip()] for layer in spec.split(">")]


def upward(edges, layers):
    """Every edge from a module to one in an earlier (higher) layer."""
    rank = {m: i for i, layer in enumerate(layers) for m in layer}
    return sorted(
        (a, b)
        for a, targets in edges.items()
        for b in targets
        if a in rank and b in rank and rank[b] < rank[a]
    )


def self_test():
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "b"))
        write = lambda p, s: open(os.path.join(d, p), "w").write(s)
        write("a.rs", "use crate::b::Thing;\n")
        write("b/mod.rs", "pub mod c;\n// use crate::a::X; (a comment, not an import)\n")
        write("b/c.rs", "use super::Other;\n")
        assert cycles(edges_of(d)) == [], "a comment and a child using its parent are fine"
        write("b/c.rs", "use super::Other;\nuse crate::{a::X, b::Y};\n")
        assert cycles(edges_of(d)) == [["a", "b"]], cycles(edges_of(d))
        write("b/c.rs", "use super::Other;\n")
        layers = parse_layers("a > b")
        assert upward(edges_of(d), layers) == [], "a uses b, below it: fine"
        assert upward(edges_of(d), parse_layers("b > a")) == [("a", "b")], "b is above a"
    print("import_cycles self-test: ok")


def main(roots):
    if roots == ["--self-test"]:
        self_test()
        return 0
    if roots and roots[0] == "--layers":
        _, root, spec = roots
        bad = upward(edges_of(root), parse_layers(spec))
        for a, b in bad:
            print(f"{root}: `{a}` uses `{b}`, a layer above it ({spec})")
        if not bad:
            print(f"{root}: every module uses only its own layer or those below ({spec})")
        return 1 if bad else 0
    bad = 0
    for root in roots:
        edges = edges_of(root)
        for group in cycles(edges):
            bad += 1
            print(f"{root}: modules import each other in a circle: {', '.join(group)}")
            for m in group:
                print(f"    {m} -> {', '.join(sorted(edges[m] & set(group)))}")
    if not bad:
        print(f"no import cycles in {', '.join(roots)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
