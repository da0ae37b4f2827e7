"""The ocr_worker function (container image): an S3 photo upload, via SQS, read by PaddleOCR."""

from shared.enums import MediaKind
from shared.services.ocr_processing import REJECTIONS, analyse_photo
from shared.upload_worker import make_upload_worker

handler = make_upload_worker(MediaKind.OCR, analyse_photo, REJECTIONS)
