import json

import pytest

from farm_vite_bundler import ViteManifest

MANIFEST = {
    "index.html": {"file": "assets/index-4f2a.js", "isEntry": True, "imports": ["_vendor.js"],
                   "css": ["assets/index-9c1d.css"]},
    "_vendor.js": {"file": "assets/vendor-77aa.js", "imports": ["_react.js"]},
    "_react.js": {"file": "assets/react-1b2c.js", "css": ["assets/react-0e0e.css"]},
}


def test_tags_in_dependency_order():
    tags = ViteManifest(MANIFEST, base="/app").tags("index.html").splitlines()
    assert tags == [
        '<link rel="stylesheet" href="/app/assets/react-0e0e.css">',
        '<link rel="stylesheet" href="/app/assets/index-9c1d.css">',
        '<link rel="modulepreload" href="/app/assets/react-1b2c.js">',
        '<link rel="modulepreload" href="/app/assets/vendor-77aa.js">',
        '<script type="module" src="/app/assets/index-4f2a.js"></script>',
    ]


def test_unknown_entry():
    with pytest.raises(KeyError):
        ViteManifest(MANIFEST).tags("admin.html")


def test_load_prefers_vite5_location(tmp_path):
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "manifest.json").write_text("{}")
    assert "index.html" in ViteManifest.load(tmp_path).data


def test_missing_manifest(tmp_path):
    with pytest.raises(FileNotFoundError):
        ViteManifest.load(tmp_path)
