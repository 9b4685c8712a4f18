"""mkdocs-gen-files script (see mkdocs.yml): writes the marketplace's generated pages and the
browse data into the build, from index/v1 next to mkdocs.yml (or $PLUGINDEX_INDEX)."""

from __future__ import annotations

import os
from pathlib import Path

import mkdocs_gen_files

from plugindex.site.pages import BROWSE_DATA, browse_data, load, pages

root = Path(mkdocs_gen_files.config.config_file_path or "mkdocs.yml").resolve().parent
data = load(Path(os.environ.get("PLUGINDEX_INDEX") or root / "index" / "v1"))
for path, text in sorted(pages(data).items()):
    with mkdocs_gen_files.open(path, "w") as f:
        f.write(text)
with mkdocs_gen_files.open(BROWSE_DATA, "wb") as f:
    f.write(browse_data(data))
