from farm_embeddings_openai.plugin import Embedder, batched, cosine_similarity, register

__all__ = ["Embedder", "batched", "cosine_similarity", "register"]
