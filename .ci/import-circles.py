#!/usr/bin/env python3
"""Import circles between the source files of each crate (tests, benches and examples excluded).

A file's module path comes from its place under src/ (lib.rs/main.rs are the crate root, mod.rs
is its folder). An edge A -> B is any path A names that resolves to module B: `use crate::…`,
`crate::…` inline, `super::…` and `self::…`, and paths starting with a sibling module's name as
brought in by `use`. `mod x;` declarations are not edges. A circle is a strongly connected
component of more than one file. Exit 1 when any crate has one.
"""
import os, re, sys

def module_files(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts in (["lib"], ["main"]):
                parts = []
            if parts and parts[0] == "bin":
                continue
            mods[tuple(parts)] = os.path.join(root, f)
    return mods

COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
PATH = re.compile(r"\b(crate|super|self)((?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)")
USE = re.compile(r"\buse\s+([^;]+);")

def strip_tests(text):
    # Drop `#[cfg(test)] mod tests { … }` blocks: test code is not structure.
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)

def expand_use(tree):
    """`a::{b, c::{d}}` -> ["a::b", "a::c::d"] (roughly; enough for module resolution)."""
    tree = tree.strip()
    m = re.match(r"^(.*?)::\s*\{(.*)\}$", tree, re.S)
    if not m:
        return [tree]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur); cur = ""; continue
        depth += ch == "{"; depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        if not p:
            continue
        for e in expand_use(p):
            out.append(prefix if e == "self" else f"{prefix}::{e}")
    return out

def resolve(mods, here, segments):
    # segments: absolute module path + item names; take the longest prefix that is a module file.
    for n in range(len(segments), -1, -1):
        if tuple(segments[:n]) in mods:
            return tuple(segments[:n])
    return None

def absolute(here, head, rest):
    if head == "crate":
        return list(rest)
    base = list(here)
    if head == "super":
        base = base[:-1]
        while rest and rest[0] == "super":
            base = base[:-1]; rest = rest[1:]
    return base + list(rest)

def crate_edges(src):
    mods = module_files(src)
    edges = {m: set() for m in mods}
    for here, path in mods.items():
        with open(path, encoding="utf-8") as fh:
            text = strip_tests(STRING.sub('""', COMMENT.sub("", fh.read())))
        paths = []
        for m in USE.finditer(text):
            for p in expand_use(m.group(1)):
                p = re.sub(r"\s+as\s+\w+$", "", p.strip())
                paths.append(p)
        for m in PATH.finditer(text):
            paths.append(m.group(1) + m.group(2))
        for p in paths:
            segs = [s.strip() for s in p.split("::") if s.strip()]
            if not segs:
                continue
            head = segs[0]
            if head in ("crate", "super", "self"):
                target = absolute(here, head, segs[1:])
            elif (*here, head) in mods:  # a child module named directly
                target = [*here, *segs]
            else:
                continue
            t = resolve(mods, here, target)
            if t is not None and t != here and t != ():
                edges[here].add(t)
            elif t == () and here != ():
                edges[here].add(())
    return mods, edges

def sccs(edges):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out

def main(root):
    failed = False
    for crate in sorted(os.listdir(root)):
        src = os.path.join(root, crate, "src")
        if not os.path.isfile(os.path.join(root, crate, "Cargo.toml")) or not os.path.isdir(src):
            continue
        mods, edges = crate_edges(src)
        for comp in sccs(edges):
            failed = True
            names = sorted(os.path.relpath(mods[m], root) for m in comp)
            print(f"import circle in {crate}: " + " <-> ".join(names))
            for m in sorted(comp):
                for t in sorted(edges[m]):
                    if t in comp:
                        print(f"    {os.path.relpath(mods[m], root)} -> {os.path.relpath(mods[t], root)}")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
