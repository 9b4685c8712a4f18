from farm_react_ui_kit import DEFAULT_THEME, component_manifest, theme_to_css
from farm_react_ui_kit.plugin import merge_theme


def test_css_variables_are_flattened_and_sorted():
    css = theme_to_css({"color": {"primary": "#000"}, "radius": {"md": "8px"}})
    assert css == ":root {\n  --farm-color-primary: #000;\n  --farm-radius-md: 8px;\n}\n"


def test_merge_keeps_unrelated_tokens():
    merged = merge_theme(DEFAULT_THEME, {"color": {"primary": "#123456"}})
    assert merged["color"]["primary"] == "#123456"
    assert merged["color"]["danger"] == DEFAULT_THEME["color"]["danger"]
    assert DEFAULT_THEME["color"]["primary"] == "#2f6f4f"


def test_manifest_lists_exported_components():
    manifest = component_manifest(mount="/kit")
    assert set(manifest["components"]) >= {"Button", "DataTable", "Modal"}
    assert manifest["components"]["Button"].startswith("/kit/components/Button.jsx?v=")


def test_manifest_reads_any_directory(tmp_path):
    (tmp_path / "Card.jsx").write_text("export default function Card() { return null; }\n")
    (tmp_path / "helpers.js").write_text("export function Helper() {}\n")
    assert list(component_manifest(tmp_path)["components"]) == ["Card"]
