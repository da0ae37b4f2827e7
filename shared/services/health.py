from shared.constants import Buckets
from shared.dal import health_probe
from shared.errors import DependencyUnavailable
from shared.schemas.health import HealthReport, Liveness
from shared.settings import get_settings


def liveness() -> Liveness:
    """The public check: answering at all is the answer. It calls nothing, so it costs nothing and says nothing
    about the deployment (the deep check names every table and bucket: admins only)."""
    return Liveness(status="ok")


def check_health() -> HealthReport:
    """Every table and bucket must answer; otherwise the service is unavailable (503) and says what is down."""
    settings = get_settings()
    tables = health_probe.probe_tables()
    buckets = {Buckets.MEDIA: health_probe.probe_bucket(settings.media_bucket_name())}
    down = [name for name, state in {**tables, **buckets}.items() if state != "ok"]
    if down:
        raise DependencyUnavailable(
            "some storage is unreachable",
            details=[{"field": name, "message": "unreachable", "type": "dependency"} for name in down],
        )
    return HealthReport(status="ok", stage=settings.stage, tables=tables, buckets=buckets)
