"""Upload-to-result time in the local cloud: a photo and a recording, posted with their presigned POSTs, polled
until COMPLETED. The first of each includes the model worker's start; the others are warm.

    .venv/bin/python bench/upload_latency.py [--runs 4]
Target: at most 5 s for a photo once the models are warm.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.conftest import login_admin, start_local_cloud  # noqa: E402
from tests.e2e.test_media_flow import rendered_photo, spoken_wav, upload_and_wait  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    cloud = start_local_cloud()
    try:
        auth = login_admin(cloud)
        cases = {
            "photo (ocr)": ("ocr", {"content_type": "image/jpeg"}, rendered_photo("明日は雨が降るでしょう。")),
            "recording (speech + score)": (
                "speech",
                {"content_type": "audio/wav", "target_text": "明日は雨が降るでしょう。"},
                spoken_wav("明日は雨が降るでしょう。"),
            ),
        }
        print(f"upload-to-result in the local cloud, {args.runs} runs each (first one cold)")
        for name, (kind, body, data) in cases.items():
            seconds = []
            for _ in range(args.runs):
                start = time.monotonic()
                record = upload_and_wait(cloud, auth, kind, body, data)
                assert record["processing_status"] == "completed", record
                seconds.append(time.monotonic() - start)
            warm = statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]
            print(f"  {name:28s} cold {seconds[0]:5.2f} s   warm median {warm:5.2f} s")
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
