"""Amazon Polly, for Japanese speech in AWS."""

from xml.sax.saxutils import escape

from shared.dal.clients import aws_client
from shared.observability import tracer

NEURAL_VOICES = frozenset({"Kazuha", "Tomoko", "Takumi"})


@tracer.capture_method
def synthesize_mp3(text: str, voice: str, speed: float) -> bytes:
    ssml = f'<speak><prosody rate="{round(speed * 100)}%">{escape(text)}</prosody></speak>'
    response = aws_client("polly").synthesize_speech(
        Text=ssml,
        TextType="ssml",
        OutputFormat="mp3",
        VoiceId=voice,
        LanguageCode="ja-JP",
        Engine="neural" if voice in NEURAL_VOICES else "standard",
    )
    return bytes(response["AudioStream"].read())
