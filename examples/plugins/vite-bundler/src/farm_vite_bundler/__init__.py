from farm_vite_bundler.plugin import ViteManifest, register

__all__ = ["ViteManifest", "register"]
