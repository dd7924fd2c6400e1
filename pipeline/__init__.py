"""Scan intake and image pipeline: intake, rasterise, clean, OCR, classify, extract, PDF output."""
