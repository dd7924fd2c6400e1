"""Reason codes for documents that end *rejected* or *needs_review*.

Each code carries a Vietnamese and an English message a clerk can act on. Messages may contain
``{page}`` (1-based page number) and ``{detail}`` placeholders; they never contain personal data.
Permanent reasons are never retried (see ../shared/DESIGN.md, "Errors are typed").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    vi: str
    en: str
    permanent: bool = True

    def format(self, page: int | None = None, detail: str | None = None) -> tuple[str, str]:
        """Return (vi, en) messages with placeholders filled in."""
        values = {"page": page if page is not None else "?", "detail": detail or ""}
        return _tidy(self.vi.format(**values)), _tidy(self.en.format(**values))


def _tidy(message: str) -> str:
    """Drop the gap an empty placeholder leaves ("cannot be read . Rescan" → "cannot be read. Rescan")."""
    return re.sub(r"\s+([.,:;])", r"\1", re.sub(r" {2,}", " ", message)).strip()


_REASONS = [
    Reason(
        "empty_file", "Tệp rỗng (0 byte). Hãy quét lại tài liệu.", "The file is empty (0 bytes). Rescan it."
    ),
    Reason(
        "unsupported_format",
        "Định dạng tệp không được hỗ trợ {detail}. Chỉ nhận PDF, TIFF, JPEG, PNG.",
        "Unsupported file format {detail}. Only PDF, TIFF, JPEG and PNG are accepted.",
    ),
    Reason(
        "not_a_pdf",
        "Tệp có đuôi .pdf nhưng không phải PDF. Hãy xuất lại hoặc quét lại tài liệu.",
        "The file is named .pdf but is not a PDF. Export or scan it again.",
    ),
    Reason(
        "corrupt_file",
        "Tệp bị hỏng, không đọc được {detail}. Hãy quét lại tài liệu.",
        "The file is damaged and cannot be read {detail}. Rescan the document.",
    ),
    Reason(
        "encrypted_pdf",
        "PDF được bảo vệ bằng mật khẩu. Hãy gỡ mật khẩu hoặc quét bản giấy.",
        "The PDF is password-protected. Remove the password or scan the paper original.",
    ),
    Reason(
        "too_large",
        "Tệp quá lớn {detail}. Hãy quét ở 300 DPI, tách thành nhiều tệp.",
        "The file is too large {detail}. Scan at 300 DPI and split it into several files.",
    ),
    Reason(
        "too_many_pages",
        "Tệp có quá nhiều trang {detail}. Hãy tách thành nhiều tệp.",
        "The file has too many pages {detail}. Split it into several files.",
    ),
    Reason(
        "decompression_bomb",
        "Trang {page} có kích thước ảnh quá lớn {detail}. Hãy quét lại ở 300 DPI.",
        "Page {page} has an image far too large {detail}. Rescan it at 300 DPI.",
    ),
    Reason(
        "unreadable_page",
        "Không đọc được trang {page}. Hãy quét lại trang này.",
        "Page {page} cannot be read. Rescan this page.",
    ),
    Reason(
        "blank_page",
        "Trang {page} trắng, không có nội dung. Hãy quét lại đúng mặt có chữ.",
        "Page {page} is blank. Rescan the side with the content.",
    ),
    Reason(
        "too_blurred",
        "Trang {page} bị mờ. Hãy quét lại trang {page}, giữ tài liệu phẳng và đúng tiêu cự.",
        "Page {page} is too blurred. Rescan page {page} with the paper flat and in focus.",
    ),
    Reason(
        "too_dark",
        "Trang {page} quá tối hoặc thiếu tương phản. Hãy quét lại với độ sáng cao hơn.",
        "Page {page} is too dark or has too little contrast. Rescan it brighter.",
    ),
    Reason(
        "resolution_too_low",
        "Trang {page} có độ phân giải quá thấp {detail}. Hãy quét lại ở tối thiểu 200 DPI.",
        "Page {page} has too low a resolution {detail}. Rescan it at 200 DPI or more.",
    ),
    Reason(
        "ocr_failed",
        "Không nhận dạng được chữ trên trang {page}. Hãy quét lại trang này rõ hơn.",
        "No text could be recognised on page {page}. Rescan this page more clearly.",
    ),
    Reason(
        "ocr_timeout",
        "Nhận dạng chữ trang {page} quá thời gian cho phép. Hãy quét lại trang này.",
        "Text recognition of page {page} timed out. Rescan this page.",
    ),
    # Review reasons (document kept, a clerk checks it).
    Reason(
        "unknown_document_type",
        "Không xác định được loại giấy tờ. Cán bộ cần chọn loại giấy tờ.",
        "The document type could not be recognised. A clerk must choose it.",
    ),
    Reason(
        "field_missing",
        "Thiếu trường {detail}. Cán bộ cần kiểm tra.",
        "Field {detail} was not found. A clerk must check it.",
    ),
    Reason(
        "field_invalid",
        "Trường {detail} không hợp lệ. Cán bộ cần kiểm tra.",
        "Field {detail} is not valid. A clerk must check it.",
    ),
    Reason(
        "low_confidence",
        "Trường {detail} nhận dạng chưa chắc chắn. Cán bộ cần kiểm tra.",
        "Field {detail} was read with low confidence. A clerk must check it.",
    ),
    Reason(
        "document_expired",
        "Giấy tờ đã hết hạn ({detail}). Cán bộ cần kiểm tra hoặc yêu cầu giấy tờ còn hạn.",
        "The document has expired ({detail}). A clerk must check it or ask for a valid one.",
    ),
    Reason(
        "side_missing",
        "Thiếu một mặt hoặc một trang của giấy tờ ({detail}). Cán bộ cần kiểm tra.",
        "A side or page of the document is missing ({detail}). A clerk must check it.",
    ),
    Reason(
        "sources_disagree",
        "Trường {detail} khác nhau giữa phần in và mã QR/MRZ. Cán bộ cần kiểm tra.",
        "Field {detail} differs between the printed text and the QR code/MRZ. A clerk must check it.",
    ),
    Reason(
        "field_corrected",
        "Trường {detail} đã được cán bộ sửa.",
        "Field {detail} was corrected by a clerk.",
    ),
    Reason(
        "owner_mismatch",
        "Số định danh trên giấy tờ khác với chủ hồ sơ. Cán bộ cần kiểm tra.",
        "The ID number on the document differs from the dossier owner's. A clerk must check it.",
    ),
    Reason(
        "storage_unavailable",
        "Kho lưu trữ tạm thời không truy cập được; hệ thống sẽ tự thử lại.",
        "Storage is temporarily unavailable; the system will retry.",
        permanent=False,
    ),
    Reason(
        "split_into_parts",
        "Tập giấy quét đã được tách tại các trang trắng thành các tài liệu riêng; bản gốc cả tập được lưu. "
        "Xem từng tài liệu trong cùng lô.",
        "The scanned stack was split at its blank separator pages into separate documents; the whole stack "
        "is kept. See each document in the same batch.",
    ),
    Reason(
        "attempts_exhausted",
        "Xử lý tài liệu này thất bại nhiều lần liên tiếp (có thể tệp làm hỏng bộ xử lý) nên đã dừng. "
        "Bản gốc đã được lưu; hãy quét lại tài liệu hoặc báo bộ phận kỹ thuật.",
        "Processing this document failed several times in a row (the file may crash the processor), so it "
        "was stopped. The original is kept; rescan the document or tell support.",
    ),
    Reason(
        "internal_error",
        "Lỗi hệ thống khi xử lý {detail}. Bản gốc đã được lưu; bộ phận kỹ thuật sẽ xử lý.",
        "System error while processing {detail}. The original is kept; support will handle it.",
    ),
]

REASONS: dict[str, Reason] = {r.code: r for r in _REASONS}


def reason(code: str) -> Reason:
    """Look up a reason code; unknown codes are a programming error."""
    return REASONS[code]
