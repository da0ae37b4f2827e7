"""Powertools logger, tracer and metrics, importable from every layer (handlers, logic, data access).

The objects are cheap to build and read their configuration (POWERTOOLS_* variables) lazily.
"""

from typing import Final

from aws_lambda_powertools import Logger, Metrics, Tracer

from shared.constants import METRICS_NAMESPACE, SERVICE_NAME

# What the functions reach the network through, traced as X-Ray subsegments: boto3 (botocore) and PynamoDB. The
# default, every library the X-Ray SDK can patch, imports each one that is installed at every cold start (sqlite3,
# http.client, requests, httpx...) for calls the functions never make.
TRACED_MODULES: Final = ("botocore", "pynamodb")

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME, patch_modules=TRACED_MODULES)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
