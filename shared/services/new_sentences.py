"""Where a learner's new sentences continue in the catalogue (approved sentences, oldest first).

The due list offers the approved sentences the learner has not started, in catalogue order, from a place kept on the
user item, which every request reads to authenticate: so it reads one catalogue page from there instead of paging
from the start past every sentence already learned. The review aggregator moves the place on, off the request path,
past the catalogue's sentences the learner has all started (a sentence passed over keeps it where it is, and stays
offered first); the due list passes over what was started since.
"""

from itertools import takewhile

from shared.dal import content_repository, progress_repository, users_repository

PLACE_WINDOW = 100  # catalogue entries looked at past the place: one Query and one BatchGetItem


def move_place_on(user_id: str) -> bool:
    """Move the learner's place past the sentences after it that they have all started: whether it moved."""
    place = users_repository.new_sentences_place(user_id)
    looked_at = content_repository.catalogue_after(place, PLACE_WINDOW)
    started = progress_repository.started_sentences(user_id, [entry.sentence_id for entry in looked_at])
    passed = list(takewhile(lambda entry: entry.sentence_id in started, looked_at))
    if not passed:
        return False
    return users_repository.move_new_sentences_place(user_id, place, passed[-1].place)
