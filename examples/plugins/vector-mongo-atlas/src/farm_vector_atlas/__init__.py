from farm_vector_atlas.plugin import AtlasVectorStore, index_definition, search_pipeline, register

__all__ = ["AtlasVectorStore", "index_definition", "search_pipeline", "register"]
__version__ = "2.0.0"
