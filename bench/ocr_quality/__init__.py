"""OCR quality benchmark: ``python -m bench.ocr_quality``."""
