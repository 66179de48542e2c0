#!/usr/bin/env python3
"""Wire types defined twice: a serde type (a struct or enum deriving Serialize or Deserialize) of
one production crate whose name, or whose set of fields, another production crate also defines.

Every shape that crosses a boundary between our services lives in the `contract` crate; a second
definition elsewhere is a copy that can drift from it. google-emulator is left out on purpose: it
stands in for Google, and its Google wire shapes must stay independent of our own Google client's,
so that a misreading of Google's API cannot pass on both sides. Exit 1 on any duplicate.
"""
import os, re, sys

PRODUCTION = ["common", "contract", "clients", "auth-service", "gmail-service", "frontend"]
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
ITEM = re.compile(
    r"#\[derive\(([^)]*)\)\]([^{;]*?)\b(?:pub(?:\([^)]*\))?\s+)?(struct|enum)\s+([A-Z][A-Za-z0-9_]*)[^{;(]*([{;(])",
    re.S,
)

def strip_tests(text):
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

def body(text, start):
    depth, j = 1, start
    while j < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
    return text[start:j - 1]

def camel(name):
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)

def fields(kind, inner, attrs):
    """The JSON names of a struct's fields (serde renames applied), or an enum's variants."""
    if kind == "struct":
        names = set()
        for m in re.finditer(r'((?:#\[[^\]]*\]\s*)*)(?:pub(?:\s*\([^)]*\))?\s+)?([a-z_][a-z0-9_]*)\s*:(?!:)', inner):
            if m.start() and inner[m.start() - 1] not in " \t\n,{":
                continue
            rename = re.search(r'rename\s*=\s*"([^"]+)"', m.group(1) or "")
            name = rename.group(1) if rename else m.group(2)
            if not rename and 'rename_all = "camelCase"' in attrs:
                name = camel(name)
            names.add(name)
        return frozenset(names)
    flat, depth = "", 0
    for ch in inner:  # drop nested braces/parens (attributes, generics, enum payloads)
        if ch in "{(<[":
            depth += 1
        elif ch in "})>]":
            depth -= 1
        elif depth == 0:
            flat += ch
    if kind == "struct":
        return frozenset(re.findall(r"(?:pub(?:\s*\([^)]*\))?\s+)?([a-z_][a-z0-9_]*)\s*:", flat))
    return frozenset(re.findall(r"\b([A-Z][A-Za-z0-9_]*)\b", flat))

def serde_types(root):
    found = []
    for crate in PRODUCTION:
        src = os.path.join(root, crate, "src")
        for dirpath, _, files in os.walk(src):
            for f in files:
                if not f.endswith(".rs"):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8") as fh:
                    text = strip_tests(COMMENT.sub("", fh.read()))
                for m in ITEM.finditer(text):
                    derives = m.group(1)
                    if "Serialize" not in derives and "Deserialize" not in derives:
                        continue
                    attrs, kind, name, opener = m.group(2), m.group(3), m.group(4), m.group(5)
                    inner = body(text, m.end()) if opener == "{" else ""
                    found.append((crate, os.path.relpath(path, root), kind, name, fields(kind, inner, attrs)))
    return found

def main(root):
    types = serde_types(root)
    problems = []
    for i, a in enumerate(types):
        for b in types[i + 1:]:
            if a[0] == b[0]:
                continue
            if a[3] == b[3]:
                problems.append(f"{a[2]} {a[3]} is defined in {a[1]} and in {b[1]}")
            elif a[2] == b[2] and len(a[4]) >= 3 and a[4] == b[4]:
                problems.append(f"{a[1]}:{a[3]} and {b[1]}:{b[3]} have the same fields {sorted(a[4])}")
    for p in problems:
        print("wire type defined twice: " + p)
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
