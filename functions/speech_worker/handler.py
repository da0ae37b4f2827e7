"""The speech_worker function (container image): an S3 recording upload, via SQS, transcribed by faster-whisper
and, with a target sentence, scored for pronunciation."""

from shared.enums import MediaKind
from shared.services import speech
from shared.services.speech_processing import REJECTIONS, analyse_recording
from shared.upload_worker import make_upload_worker

handler = make_upload_worker(MediaKind.SPEECH, analyse_recording, REJECTIONS)
# The model's load, which the local cloud runs as it starts rather than at the first recording.
warm_up = speech.warm_up
ENGINE = speech.ENGINE
