"""The study_api function: API Gateway → Mangum → FastAPI routers (learning, progress, users)."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import learning, progress, users

handler = make_api_handler(learning.router, progress.router, users.router)
