"""Pydantic v2 models of what the API reads (`…Create`, `…Update`) and returns (`…Public`)."""
