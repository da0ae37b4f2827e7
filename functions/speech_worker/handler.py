"""The speech_worker function (container image): an S3 recording upload, via SQS, transcribed by faster-whisper
and, with a target sentence, scored for pronunciation."""

from shared.dal.media_repository import SPEECH
from shared.services.speech_processing import REJECTIONS, analyse_recording
from shared.upload_worker import make_upload_worker

handler = make_upload_worker(SPEECH, analyse_recording, REJECTIONS)
