"""mkdocs-gen-files script (see mkdocs.yml): writes every generated page of the marketplace and
the browse data into the build, never into site/: the pages of index/v1 next to mkdocs.yml (or
$PLUGINDEX_INDEX), the rules page from the rule catalog, and the scoring page from the checks'
table with the score settings of the registry.yaml next to mkdocs.yml."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import mkdocs_gen_files

from plugindex.config.registry import load_registry
from plugindex.site.feed import CHANGES_FILE, FEED_FILE, atom, changes, changes_json
from plugindex.site.pages import BROWSE_DATA, browse_data, every_page, load

root = Path(mkdocs_gen_files.config.config_file_path or "mkdocs.yml").resolve().parent
data = load(Path(os.environ.get("PLUGINDEX_INDEX") or root / "index" / "v1"))
score = load_registry(root).score
pages = every_page(data, score)
for path, text in sorted(pages.items()):
    with mkdocs_gen_files.open(path, "w") as f:
        f.write(text)
with mkdocs_gen_files.open(BROWSE_DATA, "wb") as f:
    f.write(browse_data(data))
events = changes(data.plugins)
with mkdocs_gen_files.open(FEED_FILE, "wb") as f:
    f.write(atom(events, mkdocs_gen_files.config.site_url or "/",
                 str(data.index.get("registry", {}).get("name", "plugindex")),
                 data.index.get("updated")))
with mkdocs_gen_files.open(f"index/v1/{CHANGES_FILE}", "wb") as f:  # beside the index
    f.write(changes_json(events))
if os.environ.get("PLUGINDEX_PROGRESS"):  # set by 'plugindex site' where someone watches
    print(f"site: {len(pages)} pages generated; MkDocs renders them", file=sys.stderr,
          flush=True)
