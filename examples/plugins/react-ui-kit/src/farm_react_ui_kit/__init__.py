"""React components for FARM front ends, served by the FastAPI app."""

from farm_react_ui_kit.plugin import DEFAULT_THEME, component_manifest, register, theme_to_css

__all__ = ["DEFAULT_THEME", "component_manifest", "register", "theme_to_css"]
__version__ = "2.1.0b1"
