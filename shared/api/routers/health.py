from fastapi import APIRouter

from shared.schemas.health import HealthReport
from shared.services import health

router = APIRouter(tags=["health"])


@router.get("/health", summary="Reachability of every table and bucket")
def get_health() -> HealthReport:
    return health.check_health()
