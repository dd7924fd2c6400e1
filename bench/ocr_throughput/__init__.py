"""OCR throughput benchmark: ``python -m bench.ocr_throughput``."""
