"""Pictures for the marketplace, drawn at build time as inline SVG (no script, no request to
another host): a plugin's dependency graph and the registry's statistics.

Pure functions from index data to SVG text; every label is escaped. Layouts are
deterministic (sorted), so two builds draw the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from plugindex.site.html import esc
from plugindex.site.terms import Terms

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 170, 34, 50, 16, 10
LANE = 12  # the height of the lane of an edge that skips a column
FONT = 'font-family="sans-serif" font-size="12"'


def dependency_graph(install: Mapping[str, Any]) -> str:
    """The resolved closure of a plugin's latest version, dependencies to the left of their
    dependents, one column per depth (the install order reads left to right)."""
    plan = [(str(p["name"]), str(p["version"])) for p in install.get("plan", [])]
    if len(plan) < 2:
        return ""
    versions = dict(plan)
    needs: dict[str, list[str]] = {name: [] for name, _ in plan}
    for dependent, dependency in install.get("edges", []):
        if dependent in needs and dependency in versions:
            needs[dependent].append(dependency)
    depth: dict[str, int] = {}
    for name, _ in plan:  # the plan lists dependencies first
        depth[name] = 1 + max((depth.get(d, 0) for d in needs[name]), default=-1)
    columns: dict[int, list[str]] = {}
    for name in sorted(depth, key=lambda n: (depth[n], n)):
        columns.setdefault(depth[name], []).append(name)
    where = {}
    for col, names in columns.items():
        for row, name in enumerate(names):
            where[name] = (PAD + col * (NODE_W + GAP_X), PAD + row * (NODE_H + GAP_Y))
    # An edge to the next column is a straight line through the gap between the columns; one
    # that skips columns would cross the boxes between, so it runs in a lane of its own below
    # every box, going down and up in the gaps beside the columns (never through a box).
    long_edges = [(dependent, dependency) for dependent in sorted(needs)
                  for dependency in sorted(needs[dependent])
                  if depth[dependent] - depth[dependency] > 1]
    width = PAD * 2 + len(columns) * NODE_W + (len(columns) - 1) * GAP_X
    boxes_bottom = PAD + max(len(v) for v in columns.values()) * (NODE_H + GAP_Y) - GAP_Y
    height = boxes_bottom + PAD + len(long_edges) * LANE
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="pi-graph" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="dependency graph">',
             '<defs><marker id="pi-arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" '
             'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>']
    lanes = {edge: (i, boxes_bottom + PAD // 2 + (i + 1) * LANE - LANE // 2)
             for i, edge in enumerate(long_edges)}
    for dependent in sorted(needs):
        for dependency in sorted(needs[dependent]):
            (x1, y1), (x2, y2) = where[dependency], where[dependent]
            lane = lanes.get((dependent, dependency))
            if lane is None:
                parts.append(f'<line x1="{x1 + NODE_W}" y1="{y1 + NODE_H // 2}" x2="{x2}" '
                             f'y2="{y2 + NODE_H // 2}" stroke="#888" '
                             'marker-end="url(#pi-arrow)"/>')
            else:
                i, y = lane
                shift = 10 + 4 * (i % 8)  # apart from the other lanes' risers
                out, into = x1 + NODE_W + shift, x2 - shift
                parts.append(f'<path class="pi-long-edge" d="M{x1 + NODE_W},{y1 + NODE_H // 2} '
                             f'H{out} V{y} H{into} V{y2 + NODE_H // 2} H{x2}" fill="none" '
                             'stroke="#888" marker-end="url(#pi-arrow)"/>')
    for name, (x, y) in sorted(where.items()):
        parts.append(f'<a href="../{esc(name)}/"><rect x="{x}" y="{y}" width="{NODE_W}" '
                     f'height="{NODE_H}" rx="6" fill="#e0f2f1" stroke="#00897b"/>'
                     f'<text x="{x + NODE_W // 2}" y="{y + NODE_H // 2 + 4}" '
                     f'text-anchor="middle" {FONT}>{esc(name)} {esc(versions[name])}</text></a>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, bars: Sequence[tuple[str, int]], width: int = 640) -> str:
    """Horizontal bars, one per label, with its value."""
    if not bars:
        return ""
    label_w, row_h, top = 170, 22, 28
    top_value = max(v for _, v in bars) or 1
    height = top + len(bars) * row_h + PAD
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="pi-chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{esc(title)}">',
             f'<text x="{PAD}" y="18" {FONT} font-weight="bold">{esc(title)}</text>']
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        length = int((width - label_w - 60) * value / top_value)
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" {FONT}>'
                     f'{esc(label)}</text><rect x="{label_w}" y="{y + 3}" width="{length}" '
                     f'height="{row_h - 6}" fill="#26a69a"/><text x="{label_w + length + 6}" '
                     f'y="{y + 14}" {FONT}>{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stats(index: Mapping[str, Any]) -> list[str]:
    """The statistics page's charts: plugins and versions by month, plugins by category,
    and the distribution of the latest versions' scores."""
    plugins = index.get("plugins", [])
    first = Counter(str(p.get("published", ""))[:7] for p in plugins if p.get("published"))
    releases = Counter(str(v.get("published", ""))[:7] for p in plugins
                       for v in p.get("versions", []) if v.get("published"))
    months = sorted(set(first) | set(releases))
    total_p = total_v = 0
    over_time_p, over_time_v = [], []
    for month in months:
        total_p += first[month]
        total_v += releases[month]
        over_time_p.append((month, total_p))
        over_time_v.append((month, total_v))
    titles = Terms.of(index.get("registry") or {}).categories
    categories = Counter(titles.get(str(p.get("category")), str(p.get("category")))
                         for p in plugins)
    known = [p for p in plugins if (p.get("safety") or {}).get("score_known", True)]
    buckets = Counter(min(int((p.get("score") or {}).get("total", 0)) // 10, 9) for p in known)
    scores = [(f"{b * 10} to {b * 10 + 9 if b < 9 else 100}", buckets[b]) for b in range(10)]
    if len(known) < len(plugins):
        scores.append(("not scanned", len(plugins) - len(known)))
    return [bar_chart("Plugins, by month (cumulative)", over_time_p),
            bar_chart("Versions, by month (cumulative)", over_time_v),
            bar_chart("Plugins by category", sorted(categories.items())),
            bar_chart("Latest versions by score", scores)]
