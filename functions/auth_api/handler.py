"""The auth_api function: API Gateway → Mangum → FastAPI routers (auth)."""

from shared.api.init_phase import garbage_collection_paused

with garbage_collection_paused():  # importing and building the app creates objects to keep, hardly any garbage
    from shared.api.lambda_entry import make_api_handler
    from shared.api.routers import auth
    from shared.catalog import AUTH_API

    handler = make_api_handler(AUTH_API, auth.router)
