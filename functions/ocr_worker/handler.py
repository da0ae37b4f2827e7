"""The ocr_worker function (container image): an S3 photo upload, via SQS, read by PaddleOCR."""

from shared.enums import MediaKind
from shared.services import ocr
from shared.services.ocr_processing import REJECTIONS, analyse_photo
from shared.upload_worker import make_upload_worker

handler = make_upload_worker(MediaKind.OCR, analyse_photo, REJECTIONS)
# The model's load, which the local cloud runs as it starts rather than at the first photo.
warm_up = ocr.warm_up
ENGINE = ocr.ENGINE
