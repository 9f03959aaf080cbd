"""The review's rules as data: which actions a task state accepts, which actions are task handling rather
than workflow actions, which need the step's mandatory checklist, and on which application statuses an officer
may act at all. `review.services.take_action` enforces them; the selectors use them to offer actions."""

from __future__ import annotations

from applications.models import Status
from review.models import ActionKind as A
from review.models import TaskState

# Task state -> actions it accepts. Claim, release and the decisions need an open task; while the
# application waits for the applicant only a comment or a supervisor's reassignment make sense.
TRANSITIONS: dict[str, frozenset[str]] = {
    TaskState.OPEN: frozenset(A.values),
    TaskState.WAITING: frozenset({A.COMMENT, A.REASSIGN}),
    TaskState.DONE: frozenset(),
}
# Actions that handle the task rather than decide on the application: not configured per step.
TASK_HANDLING = frozenset({A.CLAIM, A.RELEASE, A.REASSIGN})
# Actions that need the step's mandatory checklist ticked. Return, reject and comment do not: an officer
# must be able to send back or refuse an application *because* an item cannot be ticked.
NEEDS_CHECKLIST = frozenset({A.FORWARD, A.RECOMMEND, A.APPROVE})
# Application statuses on which an officer may still act (decided and withdrawn ones are closed).
ACTIONABLE = frozenset({Status.SUBMITTED, Status.REVIEWING, Status.RETURNED})
