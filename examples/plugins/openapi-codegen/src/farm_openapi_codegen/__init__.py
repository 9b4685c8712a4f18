"""Generate a typed TypeScript client from a FARM app's OpenAPI schema."""

from farm_openapi_codegen.plugin import generate, schema_to_ts, register

__all__ = ["generate", "schema_to_ts", "register"]
