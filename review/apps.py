"""The officer's review: work queues, claiming, the review screen and the actions a workflow step allows.

Run-time state of the review workflow (tasks per application and step, officer actions, internal notes)
lives here; the workflow *definition* is `licensing`'s, and every status change of the application goes
through `applications.services`.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Review")

    def ready(self) -> None:
        from applications.signals import application_submitted, application_withdrawn
        from review.receivers import close_review_of_withdrawn, start_or_resume_review

        application_submitted.connect(start_or_resume_review, dispatch_uid="review.start_or_resume_review")
        application_withdrawn.connect(
            close_review_of_withdrawn, dispatch_uid="review.close_review_of_withdrawn"
        )
