#!/usr/bin/env python3
"""Sums a wasm module's bytes by Rust crate, from `twiggy top --format json` of a build that
keeps function names (the game's module right after wasm-bindgen, before wasm-opt strips
them). A function counts for the crate its path starts with; a trait method of a generic
parameter (`<T as bevy_reflect::Reflect>::f`) counts for the trait's crate, and a drop of a
type (`core::ptr::drop_in_place<wgpu::...>`) for the type's crate. Data segments have a line
of their own; the names and other custom sections (which wasm-opt removes) are left out.

Usage: wasm-breakdown.py TWIGGY_JSON [TOP_N]"""
import json
import re
import sys
from collections import Counter

NOT_SHIPPED = re.compile(r'^(custom section|"[a-z ]+" subsection)')


def bare(path, leading="&*"):
    """A type or path without leading references and pointers (and `leading`), `mut`, `dyn`."""
    return path.lstrip(leading).replace("mut ", "").replace("dyn ", "")


def first_segment(path):
    path = bare(path, "<&*( ")
    return re.split(r"::|<|>| |,|\(|\)|\[", path, maxsplit=1)[0] or "(other)"


def crate_of(name):
    if name.startswith("data[") or name.startswith("data segment"):
        return "(data segments)"
    if name.startswith("<"):
        self_type, _, trait = name[1:].partition(" as ")
        self_path = bare(self_type)
        generic = "::" not in self_path.split("<")[0]
        return first_segment(trait if generic and trait else self_path)
    dropped = re.match(r"core::ptr::drop_in_place<(.+)>::h[0-9a-f]+$", name)
    if dropped and "::" in dropped.group(1):
        return first_segment(dropped.group(1))
    if "::" not in name:
        return "(other: tables, imports, exports)"
    return first_segment(name)


def main():
    items = json.load(open(sys.argv[1]))
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    sizes = Counter()
    for item in items:
        if not NOT_SHIPPED.match(item["name"]):
            sizes[crate_of(item["name"])] += item["shallow_size"]
    total = sum(sizes.values())
    print(f"by crate (after wasm-bindgen, before wasm-opt; names and custom sections left out; {total} bytes):")
    for crate, size in sizes.most_common(top):
        print(f"  {crate:<40} {size:>10} {100 * size / total:5.1f}%")
    rest = sum(size for _, size in sizes.most_common()[top:])
    print(f"  {'(' + str(max(0, len(sizes) - top)) + ' more)':<40} {rest:>10} {100 * rest / total:5.1f}%")


main()
