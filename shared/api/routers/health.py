from fastapi import APIRouter

from shared.api.deps import AdminUser
from shared.api.errors import errors
from shared.schemas.health import HealthReport, Liveness
from shared.services import health

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the API answers (public, calls nothing)")
def check_liveness() -> Liveness:
    """For load balancers and uptime monitors: always `{"status": "ok"}` while the function runs. It touches no
    table or bucket, so it is cheap to poll and tells an anonymous caller nothing about the deployment."""
    return health.liveness()


@router.get(
    "/admin/health", summary="Readiness: every table and the bucket answer (admins)", responses=errors(403, 503)
)
def check_dependencies(_: AdminUser) -> HealthReport:
    """Describes every table and heads the media bucket. Any that does not answer makes this a 503 whose
    `details` name it."""
    return health.check_health()
