from fastapi import APIRouter

router = APIRouter(prefix="/ai", tags=["ai"])
