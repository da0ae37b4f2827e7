"""Kotoba's domain code, shared by every Lambda function: settings, models, data access and services."""
