"""The HTTP layer: FastAPI routers that parse input, call one service function and return its schema."""
