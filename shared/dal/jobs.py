"""Background jobs: one record per OCR, speech, TTS, e-mail or export job, mirrored from its worker."""

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.dal.base import EnumAttribute, TableMeta, TimestampedModel, new_id
from shared.enums import JobStatus, JobType


class JobsByStatusIndex(GlobalSecondaryIndex["BackgroundJobItem"]):
    """Jobs in one status, oldest first: stuck or failed jobs for ops and admin analytics."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = EnumAttribute(JobStatus, hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class JobsByUserIndex(GlobalSecondaryIndex["BackgroundJobItem"]):
    """A user's jobs, newest first (sparse: system jobs have no user)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BackgroundJobItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "jobs"

    id = UnicodeAttribute(hash_key=True, default_for_new=new_id)
    user_id = UnicodeAttribute(null=True)

    job_type = EnumAttribute(JobType)
    job_id = UnicodeAttribute(null=True)  # the runner's id of the execution: SQS message id or request id
    status = EnumAttribute(JobStatus, default=JobStatus.PENDING)

    input_data = JSONAttribute(null=True)
    result_data = JSONAttribute(null=True)
    error_message = UnicodeAttribute(null=True)

    started_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    processing_time_ms = NumberAttribute(null=True)
    retry_count = NumberAttribute(default=0)
    max_retries = NumberAttribute(default=3)
    # A job that works through a plan in steps (a backlog recovery's cards): the positions of the plan done, written
    # in the same transaction as each step's changes, so that a step is never done twice nor skipped.
    cursor = NumberAttribute(null=True)

    by_status = JobsByStatusIndex()
    by_user = JobsByUserIndex()
