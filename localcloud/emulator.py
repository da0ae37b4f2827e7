"""The embedded AWS: moto server on 127.0.0.1, and the environment that points every client at it."""

import logging
import os
from dataclasses import dataclass

from moto.server import ThreadedMotoServer

from shared.constants import Buckets, Env, physical_name
from shared.settings import LOCAL_STAGE

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"  # moto's default account


@dataclass(frozen=True)
class Emulator:
    server: ThreadedMotoServer
    endpoint_url: str

    def stop(self) -> None:
        self.server.stop()


def start_emulator(port: int) -> Emulator:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per emulated AWS call is noise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return Emulator(server=server, endpoint_url=f"http://127.0.0.1:{port}")


def point_environment_at(endpoint_url: str) -> None:
    """Make every boto3 and PynamoDB client in this process (and its children) talk to the emulator."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_REGION": LOCAL_REGION,
            Env.STAGE: LOCAL_STAGE,
            Env.MEDIA_BUCKET: physical_name(LOCAL_STAGE, Buckets.MEDIA),
            Env.TTS_ENGINE: "openjtalk",  # the emulator's Polly returns silence
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
