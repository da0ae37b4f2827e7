"""Powertools logger, tracer and metrics, importable from every layer (handlers, logic, data access).

The objects are cheap to build and read their configuration (POWERTOOLS_* variables) lazily.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

from shared.constants import METRICS_NAMESPACE, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
