"""Users, and the guard items that keep e-mail addresses and usernames unique."""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from shared.dal.base import DateAttribute, EnumAttribute, TableMeta, TimestampedModel, new_id
from shared.domain.scheduler import DEFAULT_RETENTION
from shared.enums import JapaneseLevel

USER_LISTING = "user"
ADMIN_ROSTER = "admin"
# The scheduled checks read the learners whose next check is due from CHECK_SHARDS partitions per kind of check, in
# parallel: no one partition holds every learner of a time zone whose day ends at once.
CHECK_SHARDS = 8


class UsersBySignupIndex(GlobalSecondaryIndex["UserItem"]):
    """Admin listing of users, newest first. One partition, written once per sign-up: keys only, so the
    updates of a user (a streak every study day, a profile, a login) never write to it."""

    class Meta:
        index_name = "by_signup"
        projection = KeysOnlyProjection()

    listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ActiveAdminsIndex(GlobalSecondaryIndex["UserItem"]):
    """The active administrators, and only they: sparse (`admin_roster` is set on an active admin alone), keys
    only, written when someone becomes or stops being one. Lets a change find another active admin to keep."""

    class Meta:
        index_name = "active_admins"
        projection = KeysOnlyProjection()

    admin_roster = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class ScheduledChecksIndex(GlobalSecondaryIndex["UserItem"]):
    """When the scheduled checks next look at each learner: sparse (a learner with no running streak and no
    reminder is not in it), keys only. `check_key` is `<kind>#<shard>`, the kind of the learner's next check
    (`streak`: the end of the day after the streak's last counted day; `reminder`: the learner's reminder time)
    and `check_at` its time, so each check reads only the learners it is due for (<= now), whatever the time zone.
    One index for both checks: a learner sits in it once, under whichever comes first (and CloudFormation adds
    one global index per table per deploy)."""

    class Meta:
        index_name = "scheduled_checks"
        projection = KeysOnlyProjection()

    check_key = UnicodeAttribute(hash_key=True)
    check_at = UTCDateTimeAttribute(range_key=True)


class UserItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "users"

    user_id = UnicodeAttribute(hash_key=True, default_for_new=new_id)
    email = UnicodeAttribute()
    username = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    is_verified = BooleanAttribute(default=False)
    is_superuser = BooleanAttribute(default=False)

    native_language = UnicodeAttribute(default="en")
    japanese_level = EnumAttribute(JapaneseLevel, default=JapaneseLevel.BEGINNER)
    learning_goals = ListAttribute(of=UnicodeAttribute, default=list)
    daily_goal_minutes = NumberAttribute(default=30)
    preferred_learning_time = UnicodeAttribute(null=True)  # "HH:MM", the learner's reminder time; None: the default
    timezone = UnicodeAttribute(default="UTC")
    token_version = NumberAttribute(default=0)  # bumped to end every session at once (password reset)

    enable_spaced_repetition = BooleanAttribute(default=True)
    max_daily_reviews = NumberAttribute(default=50)
    max_daily_new_items = NumberAttribute(default=10)
    srs_algorithm = UnicodeAttribute(default="fsrs")  # services.srs.Algorithm: "fsrs" or "sm2"
    leech_threshold = NumberAttribute(default=8)  # lapses at which a card is flagged as a leech
    # The learner's own FSRS scheduler (shared/domain/scheduler.py), read with the user on every request.
    desired_retention = NumberAttribute(default=DEFAULT_RETENTION)
    easy_days = ListAttribute[int](of=NumberAttribute, default=list)  # type: ignore[arg-type]  # weekdays 0-6 (Monday 0) with fewer reviews
    fsrs_parameters = ListAttribute[float](of=NumberAttribute, null=True)  # type: ignore[arg-type]  # the fitted 21 weights; absent: the defaults
    fsrs_fitted_at = UTCDateTimeAttribute(null=True)  # the last fit's time, and its figures below
    fsrs_fit_reviews = NumberAttribute(null=True)
    fsrs_fit_training_reviews = NumberAttribute(null=True)
    fsrs_log_loss_before = NumberAttribute(null=True)
    fsrs_log_loss_after = NumberAttribute(null=True)
    fsrs_recommended_retention = NumberAttribute(null=True)
    fsrs_fit_job = UnicodeAttribute(null=True)  # the fit queued or running now: at most one per learner
    fsrs_fit_queued_at = UTCDateTimeAttribute(null=True)
    # Where the learner's new sentences continue in the catalogue (`by_status`, active): `<created_at>#<sentence_id>` of
    # the last of the catalogue's first sentences the learner has all started; moved on by the review aggregator.
    new_sentences_cursor = UnicodeAttribute(null=True)

    total_study_time_minutes = NumberAttribute(default=0)
    current_streak_days = NumberAttribute(default=0)
    longest_streak_days = NumberAttribute(default=0)
    last_study_date = UTCDateTimeAttribute(null=True)

    # The rest of the learner's study calendar (shared/domain/streaks.py), written on `calendar_version`.
    streak_start = DateAttribute(null=True)
    streak_kept_through = DateAttribute(null=True)
    streak_freezes = NumberAttribute(default=0)
    vacation_since = UTCDateTimeAttribute(null=True)
    study_reminders = BooleanAttribute(default=True)
    reminded_on = DateAttribute(null=True)
    streak_deadline = UTCDateTimeAttribute(null=True)
    reminder_due_at = UTCDateTimeAttribute(null=True)
    calendar_version = NumberAttribute(default=0)
    check_key = UnicodeAttribute(null=True)  # the next of the two checks: see ScheduledChecksIndex
    check_at = UTCDateTimeAttribute(null=True)

    deletion_requested_at = UTCDateTimeAttribute(null=True)  # closed for good: its deletion job erases it

    listing = UnicodeAttribute(default=USER_LISTING)
    admin_roster = UnicodeAttribute(null=True)  # ADMIN_ROSTER on an active admin, absent on everyone else
    by_signup = UsersBySignupIndex()
    active_admins = ActiveAdminsIndex()
    scheduled_checks = ScheduledChecksIndex()

    @staticmethod
    def roster_key(is_admin: bool, is_active: bool) -> str | None:
        """`admin_roster` of an account: set on an active admin alone (the sparse `active_admins` index)."""
        return ADMIN_ROSTER if is_admin and is_active else None

    def derive_keys(self) -> None:
        self.admin_roster = self.roster_key(self.is_superuser, self.is_active)


class UniqueKeyItem(TimestampedModel):
    """Claims a unique value (`email#…`, `username#…`) for one user; written in the same transaction as the user."""

    class Meta(TableMeta):
        table_name = "unique_keys"

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()

    @staticmethod
    def email_key(email: str) -> str:
        return f"email#{email.strip().lower()}"

    @staticmethod
    def username_key(username: str) -> str:
        return f"username#{username.strip().lower()}"
