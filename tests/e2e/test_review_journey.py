"""The officers' review in a real browser (issue 10), on the three-level demo workflow of MOC-CR-002
(reception → technical review in the Department of Business Registration → approver):

an applicant submits in the browser (CamDigiKey sandbox over real HTTP); the reception officer logs in to the
back-office with CamDigiKey, claims the application from the team's queue, comments internally and forwards
it to the technical department with the mandatory checklist ticked; the technical officer returns it for one
answer with a message; the applicant corrects it and resubmits in the browser; it comes back to the same
technical officer, who recommends; the approver approves. The applicant's timeline then shows every public
step and none of the officers' internal words. The queue and the review screen are scanned with axe at 390
and 1280 px: no serious or critical violation, no sideways scrolling on a phone.

The full journey runs in Khmer on a phone (390 px) and in English on a wide screen (1280 px); each run also
scans both widths in its language. Set ESB_E2E_SHOTS=<directory> to keep a screenshot of each page seen.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import translation

from applications.models import Application, Status
from licensing.selectors import licence_type_by_code
from payments.models import Status as PaymentStatus
from payments.services import apply_payment_status, start_payment
from registry.models import Business, Person
from review.models import InternalNote, ReviewAction, ReviewTask, TaskState
from tests.applications.factories import one_page_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Axe()
PDF = one_page_pdf()
SERVICE = "MOC-CR-002"
RECEPTION, TECHNICAL, APPROVER = "OFF-MOC-001", "OFF-MOC-002", "OFF-MOC-003"
# What the officers write for each other: none of it may reach the applicant.
INTERNAL = {
    "comment": "Internal: the board resolution is a scan, compare the signatures with the register.",
    "forward": "Internal: documents complete, please check the new name.",
    "return": "Internal: asked for the reason again, the first one was too vague.",
    "recommend": "Internal recommendation: approve, the new name is free.",
    "approve": "Internal: approved after the technical recommendation.",
}
RETURN_MESSAGE = "Please explain the reason for the amendment in one or two sentences."
CORRECTED_REASON = "The company changes its trade name to match its new brand."
APPROVE_MESSAGE = "Your amended registration is approved."


@pytest.fixture
def portal(live_server, settings, tmp_path):
    settings.ESB_PUBLIC_BASE_URL = live_server.url
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "BASE_URL": f"{live_server.url}/sandbox/camdigikey"}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("seed_demo_data", stdout=io.StringIO())
    return live_server


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


class Tab:
    """One person's browser tab at one width and language: collects script errors, checks the page does not
    scroll sideways, and keeps a screenshot of each step when ESB_E2E_SHOTS names a directory."""

    def __init__(self, browser, base: str, who: str, language: str, width: int):
        self.base, self.who, self.language, self.width = base, who, language, width
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.shots = 0

    def t(self, text: str) -> str:
        return _in(self.language, text)

    def settle(self, what: str) -> None:
        self.page.wait_for_load_state("networkidle")
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= self.width, f"{self.who} {what}: the page is {scroll_width}px wide"
        assert not self.errors, f"{self.who} {what}: {self.errors}"
        directory = os.environ.get("ESB_E2E_SHOTS")
        if directory:
            self.shots += 1
            name = f"{self.language}-{self.width}-{self.who}-{self.shots:02d}-{what}.png"
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(directory) / name), full_page=True)

    def close(self) -> None:
        self.context.close()


# --- the applicant ------------------------------------------------------------------------------------------


def _owner_without_applications():
    owner = Person.objects.filter(business_roles__role="OWNER").order_by("pk").first()
    business = Business.objects.filter(roles__person=owner, roles__role="OWNER").first()
    return owner, business


def _applicant_submits(tab: Tab, owner) -> None:
    page = tab.page
    page.goto(f"{tab.base}/services/{SERVICE}/")
    page.locator(f"main a[href*='/apply/{SERVICE}/']").first.click()
    page.get_by_role("button", name=tab.t("Log in with CamDigiKey")).click()
    page.get_by_test_id("camdigikey-qr").wait_for()
    page.get_by_test_id(f"approve-{owner.identity_number}").click()
    page.wait_for_load_state("networkidle")
    page.locator("#id_agree_camdx").check()
    page.get_by_role("button", name=tab.t("Save and continue")).click()
    page.wait_for_load_state("networkidle")
    if page.locator("input[name=service]").count() > 1:
        page.locator("input[name=service]").first.check()
    page.get_by_test_id("start-application").click()
    page.get_by_test_id("save-continue").click()  # the business, from the registry
    page.locator("#id_amendment_types_0").check()
    page.locator("#id_effective_date").fill("15/01/2027")
    page.locator("#id_reason").fill("New name.")
    page.get_by_test_id("save-continue").click()
    for key in ("doc_commercial_reg_cert", "doc_board_resolution", "doc_national_id"):
        page.locator(f"#id_{key}").set_input_files(
            {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    page.get_by_test_id("save-continue").click()
    page.get_by_test_id("submit").click()
    page.get_by_test_id("payment-required").wait_for()
    tab.settle("payment-required")


def _the_payment_settles(application: Application) -> Application:
    """The fee paid as a Bakong confirmation pays it (the KHQR page and the sandbox bank app have their own
    browser test, tests/e2e/test_payment_journey.py): one attempt, then the one status service, which submits
    the application and opens the review task."""
    payment = start_payment(application, "khqr")
    evidence = {"amount": str(payment.amount), "currency": payment.currency, "transaction_hash": "e2e" * 20}
    assert apply_payment_status(payment.pk, PaymentStatus.PAID, source="poll", evidence=evidence).changed
    application.refresh_from_db()
    return application


def _applicant_corrects(tab: Tab, application: Application) -> None:
    page = tab.page
    page.goto(f"{tab.base}/portal/")
    page.locator(f"main a[href$='/applications/{application.public_id}/']").first.click()
    page.get_by_test_id("correction-request").wait_for()
    assert RETURN_MESSAGE in page.get_by_test_id("correction-request").inner_text()
    tab.settle("correction-request")
    page.get_by_test_id("start-correction").click()
    page.get_by_test_id("task-amendment").click()
    assert page.locator("#id_reason").input_value() == "New name."
    page.locator("#id_reason").fill(CORRECTED_REASON)
    page.get_by_test_id("save-continue").click()
    page.wait_for_load_state("networkidle")
    if "/check/" not in page.url:
        page.goto(f"{tab.base}/applications/{application.public_id}/check/")
    tab.settle("check-corrected")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("confirmation").wait_for()


# --- the officers -------------------------------------------------------------------------------------------


def _officer_logs_in(tab: Tab, personal_code: str) -> None:
    page = tab.page
    page.goto(f"{tab.base}/backoffice/")
    assert "/backoffice/login/" in page.url
    page.locator("#camdigikey-login-form button[type=submit]").click()
    page.get_by_test_id("camdigikey-qr").wait_for()
    page.get_by_test_id(f"approve-{personal_code}").click()
    page.get_by_test_id("review-queue").wait_for()  # an officer's back-office opens on the queue
    assert page.evaluate("document.documentElement.lang") == tab.language


def _open_from_queue(tab: Tab, queue: str, reference: str) -> None:
    """From the queue: the tab, a search by reference, the row's link to the review screen."""
    page = tab.page
    page.goto(f"{tab.base}/backoffice/review/")
    page.locator(f"[data-testid=queue-tabs] a[data-tab={queue}]").click()
    page.wait_for_load_state("networkidle")
    page.locator("input[name=q]").fill(reference)
    # htmx swaps the results in and pushes the search into the address: wait for that, or the row found
    # may be the one the swap is about to replace (a click on it then goes nowhere)
    searched = lambda response: "q=" in response.url and "/backoffice/review/" in response.url  # noqa: E731
    with page.expect_response(searched):
        page.locator("input[name=q]").press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') !== null")
    row = page.get_by_test_id("queue-row").filter(has_text=reference)
    row.wait_for()
    assert page.get_by_test_id("queue-row").count() == 1
    tab.settle(f"queue-{queue}")
    row.get_by_role("link", name=reference).click()
    page.get_by_test_id("review-screen").wait_for()
    tab.settle("screen")


def _act(tab: Tab, action: str, *, note: str = "", message: str = "", correct: str = "", tick=False) -> None:
    """Open the action's disclosure in the decision panel, fill it and send it; the screen comes back with a
    success message."""
    page = tab.page
    details = page.locator(f"details.rv-action[data-action={action}]")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    if tick:
        boxes = details.locator("input[name=checklist]")
        assert boxes.count() >= 1
        for index in range(boxes.count()):
            boxes.nth(index).check()
    if correct:
        details.locator(f"input[name=correct][value={correct}]").check()
    if message:
        details.locator(f"#rv-{action}-message").fill(message)
    if note:
        details.locator(f"#rv-{action}-note").fill(note)
    details.get_by_test_id(f"do-{action}").click()
    page.get_by_test_id("review-screen").wait_for()
    assert page.get_by_test_id("panel-error").count() == 0, page.get_by_test_id("panel-error").inner_text()
    tab.settle(f"after-{action}")


def _claim(tab: Tab) -> None:
    tab.page.get_by_test_id("claim").click()
    tab.page.get_by_test_id("panel-holder").wait_for()
    assert tab.t("you") in tab.page.get_by_test_id("panel-holder").inner_text()
    tab.settle("claimed")


def _axe(tab: Tab, what: str) -> list[str]:
    """Serious and critical axe violations of the page as it is, every disclosure opened (closed forms are not
    in the accessibility tree, and their labels and colours must pass too)."""
    tab.page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return [
        f"{what}@{tab.width}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
        for v in AXE.run(tab.page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _scan_queue_and_screen(browser, base: str, storage_state, language: str, reference: str) -> list[str]:
    problems: list[str] = []
    for width in (390, 1280):
        tab = Tab(browser, base, "scan", language, width)
        tab.context.add_cookies(storage_state["cookies"])
        try:
            _open_from_queue(tab, "mine", reference)
            problems += _axe(tab, f"screen {language}")
            tab.page.goto(f"{base}/backoffice/review/?tab=mine")
            tab.settle("queue")
            problems += _axe(tab, f"queue {language}")
        finally:
            tab.close()
    return problems


# --- the journey --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "width"), [("km", 390), ("en", 1280)])
def test_three_officers_review_a_corrected_application(browser, portal, language, width):
    owner, business = _owner_without_applications()
    licence_type = licence_type_by_code(SERVICE)
    applicant = Tab(browser, portal.url, "applicant", language, width)
    reception = Tab(browser, portal.url, "reception", language, width)
    technical = Tab(browser, portal.url, "technical", language, width)
    approver = Tab(browser, portal.url, "approver", language, width)
    try:
        # The applicant submits and the fee is paid.
        _applicant_submits(applicant, owner)
        application = _the_payment_settles(
            Application.objects.get(licence_type=licence_type, business=business)
        )
        reference = application.reference
        assert application.status == Status.SUBMITTED and reference

        # Reception: claim, an internal comment, forward to the technical department with the checklist.
        _officer_logs_in(reception, RECEPTION)
        _open_from_queue(reception, "team", reference)
        # The registry has not changed since the submission: no answer is flagged as differing from it.
        assert reception.page.get_by_test_id("registry-difference").count() == 0
        _claim(reception)
        _act(reception, "comment", note=INTERNAL["comment"])
        assert INTERNAL["comment"] in reception.page.get_by_test_id("internal-notes").inner_text()
        _act(reception, "forward", note=INTERNAL["forward"], tick=True)
        task = ReviewTask.objects.select_related("step").get(application=application, state=TaskState.OPEN)
        assert task.step.key == "technical_review" and task.holder is None
        assert reception.page.get_by_test_id("panel-not-yours").count() == 1  # nothing more for reception

        # Technical: claim, return for one answer with a message. Meanwhile the queue and the screen pass axe.
        _officer_logs_in(technical, TECHNICAL)
        _open_from_queue(technical, "team", reference)
        _claim(technical)
        problems = _scan_queue_and_screen(
            browser, portal.url, technical.context.storage_state(), language, reference
        )
        assert not problems, "\n".join(problems)
        technical.page.reload()
        _act(technical, "return", correct="reason", message=RETURN_MESSAGE, note=INTERNAL["return"])
        application.refresh_from_db()
        assert application.status == Status.RETURNED and application.correction_fields == ["reason"]

        # The applicant corrects the one answer and resubmits.
        _applicant_corrects(applicant, application)
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED and application.answers["reason"] == CORRECTED_REASON

        # Back with the same technical officer ("Mine"), who recommends.
        task = ReviewTask.objects.select_related("holder").get(application=application, state=TaskState.OPEN)
        assert task.holder.personal_code == TECHNICAL
        _open_from_queue(technical, "mine", reference)
        assert CORRECTED_REASON in technical.page.get_by_test_id("review-screen").inner_text()
        _act(technical, "recommend", note=INTERNAL["recommend"], tick=True)

        # The approver claims and approves, the checklist ticked.
        _officer_logs_in(approver, APPROVER)
        _open_from_queue(approver, "team", reference)
        assert INTERNAL["recommend"] in approver.page.get_by_test_id("review-screen").inner_text()
        _claim(approver)
        _act(approver, "approve", message=APPROVE_MESSAGE, note=INTERNAL["approve"], tick=True)
        application.refresh_from_db()
        assert application.status == Status.APPROVED
        actions = list(
            ReviewAction.objects.filter(application=application)
            .order_by("at", "id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "claim", "comment", "forward", "claim", "return", "recommend", "claim", "approve"
        ]  # fmt: skip
        assert InternalNote.objects.filter(application=application).count() == len(INTERNAL)

        # The applicant's timeline: every public step, none of the internal words.
        applicant.page.goto(f"{portal.url}/applications/{application.public_id}/")
        applicant.settle("timeline")
        timeline = applicant.page.get_by_test_id("timeline").inner_text()
        with translation.override(language):
            titles = {
                kind: str(application.events.filter(title_en=english).latest("at").title)
                for kind, english in (
                    ("submitted", "Application submitted"),
                    ("received", "Received by the institution and under review"),
                    ("forwarded", "Forwarded to the next officer"),
                    ("returned", "Returned to you for correction"),
                    ("resubmitted", "Corrected application resubmitted"),
                    ("approved", "Approved"),
                )
            }
        for kind, title in titles.items():
            assert title in timeline, f"{kind}: {title!r} is not on the applicant's timeline"
        assert RETURN_MESSAGE in timeline and APPROVE_MESSAGE in timeline
        whole_page = applicant.page.content()
        for action, text in INTERNAL.items():
            assert text not in whole_page, f"the {action} note reached the applicant"
    finally:
        for tab in (applicant, reception, technical, approver):
            tab.close()
