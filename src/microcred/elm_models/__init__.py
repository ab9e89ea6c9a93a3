"""Annex I record model, national profiles, readers, and the ELM 3 and OB 3.0 mappers."""
