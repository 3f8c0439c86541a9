#!/usr/bin/env python3
"""Lists file-level import cycles in a crate: each .rs file is a module; `crate::a::b`,
`super::x`, `self::x` and child-module paths (`graph::x` in the file that declares `mod graph`),
in `use` and in code, are edges to the file that defines the longest matching module (a file
naming one of its own ancestors is not counted: the ancestor declares it). Prints each strongly
connected component of more than one file. Usage:
    python3 scripts/module-cycles.py media/src hls/src engine/src ingest/src server/src
Exits 1 when a cycle is found; the test command runs it on every crate."""
import re
import sys
from pathlib import Path

PATH = re.compile(r"(?<![:\w])(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"(?<![:\w])(crate|super|self)::\{([^}]*)\}")
CHILD = re.compile(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)


def modules(src: Path) -> dict[tuple, Path]:
    found = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        found[tuple(parts)] = f
    return found


def owner(mods: dict, path: tuple) -> tuple | None:
    for n in range(len(path), -1, -1):
        if path[:n] in mods:
            return path[:n]
    return None


def strip(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    # tests inside a file do not make the file depend on anything for the build's shape
    cut = re.search(r"#\[cfg\(test\)\]\s*mod tests", text)
    return text[: cut.start()] if cut else text


def edges(src: Path) -> dict[tuple, set]:
    mods = modules(src)
    graph = {m: set() for m in mods}
    for m, f in mods.items():
        here = m if f.stem in ("mod", "lib", "main") else m
        parent = m[:-1] if f.stem not in ("mod", "lib", "main") else m[:-1]
        text = strip(f.read_text())
        paths = []
        for root, rest in PATH.findall(text):
            paths.append((root, rest.strip(":").split("::")))
        for child in CHILD.findall(text):
            # a path through a child module declared here: `child::item` or `child::{a, b}`
            for rest in re.findall(r"(?<![:\w])" + child + r"((?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
                paths.append(("self", [child] + rest.strip(":").split("::")))
            for inner in re.findall(r"(?<![:\w])" + child + r"::\{([^}]*)\}", text):
                for item in inner.split(","):
                    item = item.strip().split(" as ")[0].split("::")
                    if item and item[0] and item[0] != "self":
                        paths.append(("self", [child] + item))
        for root, inner in GROUP.findall(text):
            for item in inner.split(","):
                item = item.strip().split(" as ")[0].split("::")
                if item and item[0] and item[0] != "self":
                    paths.append((root, item))
        for root, segs in paths:
            base = () if root == "crate" else (m if root == "self" else parent)
            while segs and segs[0] == "super":
                base, segs = base[:-1], segs[1:]
            target = owner(mods, base + tuple(segs))
            if target is not None and target != m and not here[: len(target)] == target:
                graph[m].add(target)
    return graph


def cycles(graph: dict) -> list[list]:
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

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
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main() -> int:
    found = 0
    for arg in sys.argv[1:]:
        src = Path(arg)
        for comp in cycles(edges(src)):
            found += 1
            names = sorted("::".join(c) or "(root)" for c in comp)
            print(f"{src}: {len(comp)} files: {', '.join(names)}")
    print(f"cycles: {found}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
