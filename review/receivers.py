"""What the review does when something happens in `applications` (connected in `ReviewConfig.ready`)."""

from __future__ import annotations


def start_or_resume_review(sender, application, resubmission: bool = False, **kwargs) -> None:
    """In the submitting transaction: a submitted application always has its review task."""
    from review.services import start_review

    start_review(application, resubmission=resubmission)


def close_review_of_withdrawn(sender, application, **kwargs) -> None:
    """In the withdrawing transaction: the application's open task is done, with no officer outcome."""
    from review.services import close_for_withdrawal

    close_for_withdrawal(application)
