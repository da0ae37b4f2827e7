"""The study_api function: API Gateway → Mangum → FastAPI routers (learning, progress, users)."""

from shared.api.init_phase import garbage_collection_paused

with garbage_collection_paused():  # importing and building the app creates objects to keep, hardly any garbage
    from shared.api.lambda_entry import make_api_handler
    from shared.api.routers import learning, progress, users
    from shared.catalog import STUDY_API

    handler = make_api_handler(STUDY_API, learning.router, progress.router, users.router)
