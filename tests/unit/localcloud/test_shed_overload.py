"""An API process of the local cloud refuses what it cannot start at once, as API Gateway throttles, and serves
again as soon as requests in progress end (localcloud/api.py, ShedOverload)."""

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from localcloud.api import THROTTLED_BODY, THROTTLED_STATUS, ShedOverload


class SlowApp:
    """Answers 200 once `release` is set; counts the requests it started, `both_started` set at the second."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.both_started = asyncio.Event()
        self.started = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.started += 1
        if self.started == 2:
            self.both_started.set()
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


async def overload() -> tuple[list[int], dict[str, str], int, int]:
    app = SlowApp()
    transport = httpx.ASGITransport(app=ShedOverload(app, limit=2))
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        in_progress = [asyncio.create_task(client.get("/api/v1/progress/due")) for _ in range(2)]
        await app.both_started.wait()
        refused = await client.get("/api/v1/progress/due")
        app.release.set()
        statuses = [response.status_code for response in await asyncio.gather(*in_progress)]
        after = await client.get("/api/v1/progress/due")
    return [*statuses, refused.status_code], refused.json(), after.status_code, app.started


def test_a_request_beyond_the_limit_is_refused_at_once_and_service_resumes() -> None:
    # Given an app behind ShedOverload with a limit of two, both started on a request that waits
    # When a third request comes while they wait, then they are let finish, then a fourth comes
    statuses, refused_body, after, started = asyncio.run(overload())

    # Then the third is refused at once with API Gateway's 429 body, the two waiting ones succeed, the fourth is served
    assert statuses == [200, 200, THROTTLED_STATUS] and THROTTLED_STATUS == 429
    assert refused_body == THROTTLED_BODY == {"message": "Too Many Requests"}
    assert after == 200
    assert started == 3  # the refused request never reached the app
