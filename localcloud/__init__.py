"""The local cloud: the whole system on one laptop, against an embedded AWS emulator (moto server).

It creates the same tables, bucket, queues and schedules as CDK (from the same definitions), serves the
API under uvicorn and runs an event pump that hands S3, SQS and EventBridge events to the same handler
functions that Lambda runs.
"""
