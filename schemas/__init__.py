"""Document types, fields, procedures and reason codes, as data plus models."""
