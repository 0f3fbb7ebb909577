"""Practice core models (tenant schema)."""
