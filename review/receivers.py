"""What the review does when something happens in `applications` (connected in `ReviewConfig.ready`)."""

from __future__ import annotations


def start_or_resume_review(sender, application, resubmission: bool = False, **kwargs) -> None:
    """In the submitting transaction: a submitted application always has its review task."""
    from review.services import start_review

    start_review(application, resubmission=resubmission)
