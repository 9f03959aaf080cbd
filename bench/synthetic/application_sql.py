"""The SQL of the synthetic-application generator (`bench.synthetic.applications`): everything per batch is a
handful of `INSERT … SELECT` over `generate_series`, driven by a per-batch plan table, so a million
applications never pass through Python.

The plan (`syn_plan`) decides each application from hashes of its number (`hashint8`): service (by weight),
status (75 % approved, 10 % rejected, 8 % under review, 3 % returned, 4 % submitted), the step it reached,
whether an officer holds it, whether it was returned once at the first step and resubmitted (10 %: two
revisions), its age (open ones submitted in the last weeks, so many are overdue; decided ones over two years),
its business and applicant. Row ids of applications, tasks and documents are allocated in blocks from their
sequences (the tables are locked for the run), so rows can refer to each other without reading back.
"""

from __future__ import annotations

from applications.services.status import _TITLES
from review.demo import RETURN_MESSAGE

MAX_APPLICATIONS = 4_999_999
PUBLIC_ID_PREFIX = "5e000000-0000-4000-8000-"
REFERENCE_OFFSET = 5_000_000  # synthetic reference numbers have seven digits; the real sequences give six
MAX_STEPS = 8
MAX_DOCUMENTS = 16
RECOMMENDATION = "Requirements met; recommended for approval."

APPLICATION_TABLES = (
    "applications_application",
    "applications_applicationdocument",
    "applications_applicationrevision",
    "applications_applicationevent",
    "review_reviewtask",
    "review_reviewaction",
    "review_internalnote",
)


def existing_numbers(cursor, count: int) -> set[int]:
    cursor.execute(
        "SELECT right(public_id::text, 12)::bigint FROM applications_application "
        "WHERE public_id BETWEEN %s::uuid AND %s::uuid",
        [public_id(1), public_id(count)],
    )
    return {row[0] for row in cursor.fetchall()}


def public_id(number: int) -> str:
    return f"{PUBLIC_ID_PREFIX}{number:012d}"


def lock_tables(cursor) -> None:
    # Reads go on; writes to these tables wait for the run (the id blocks below must not be interleaved).
    cursor.execute(f"LOCK TABLE {', '.join(APPLICATION_TABLES)} IN EXCLUSIVE MODE")


def ensure_applicants(cursor, count: int) -> int:
    """`count` synthetic applicant accounts (no password, no identity) to spread the applications over."""
    cursor.execute(
        "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
        "is_staff, is_active, date_joined, full_name_km, full_name_en, preferred_language, date_of_birth, "
        "gender, "
        "mobile_phone, mobile_phone_hash, nationality, personal_code, personal_code_hash) "
        "SELECT '!', false, 'bench-applicant-' || lpad(k::text, 4, '0'), '', '', "
        "'bench-applicant-' || k || '@example.com', false, true, now(), 'អ្នកដាក់ពាក្យ ' || k, "
        "'Bench applicant ' || k, 'km', '', '', '', '', 'KHM', '', '' FROM generate_series(1, %s) k "
        "ON CONFLICT (username) DO NOTHING",
        [count],
    )
    return count


def load_context(cursor, services, applicants: int) -> None:
    """Temporary tables the batches join: services and their steps, template documents, titles, the pools of
    businesses and applicants."""
    cursor.execute(
        "CREATE TEMP TABLE syn_service (idx int PRIMARY KEY, lo int, hi int, template_id bigint, "
        "inst_code text, nsteps int, correction_field text, doc_count int, processing_days int) "
        "ON COMMIT DROP"
    )
    cursor.execute(
        "CREATE TEMP TABLE syn_step (svc int, number int, step_id bigint, sla_days int, officer_id bigint, "
        "finishing text, next_step_id bigint, checklist int[], PRIMARY KEY (svc, number)) ON COMMIT DROP"
    )
    total = sum(service.weight for service in services)
    low = 0
    for idx, service in enumerate(services):
        high = low + round(1000 * service.weight / total) if idx < len(services) - 1 else 1000
        if len(service.steps) > MAX_STEPS or service.document_count > MAX_DOCUMENTS:
            raise ValueError(f"{service.code}: more than {MAX_STEPS} steps or {MAX_DOCUMENTS} documents")
        cursor.execute(
            "INSERT INTO syn_service SELECT %s, %s, %s, %s, %s, %s, %s, %s, lt.processing_days "
            "FROM licensing_licencetype lt WHERE lt.id = %s",
            [
                idx,
                low,
                high,
                service.template_id,
                service.institution_code,
                len(service.steps),
                service.correction_field,
                service.document_count,
                service.licence_type_id,
            ],
        )
        for step in service.steps:
            following = service.steps[step.number] if step.number < len(service.steps) else None
            cursor.execute(
                "INSERT INTO syn_step SELECT %s, %s, %s, %s, %s, %s, %s, "
                "coalesce((SELECT array_agg(c.id ORDER BY c.id)::int[] FROM licensing_checklistitem c "
                "WHERE c.step_id = %s AND c.mandatory), '{}')",
                [
                    idx,
                    step.number,
                    step.id,
                    step.sla_days,
                    step.officer_id,
                    step.finishing_action,
                    following.id if following else None,
                    step.id,
                ],
            )
        low = high
    cursor.execute(
        "CREATE TEMP TABLE syn_doc ON COMMIT DROP AS SELECT s.idx AS svc, "
        "(row_number() OVER (PARTITION BY s.idx ORDER BY d.id) - 1)::int AS k, d.* "
        "FROM syn_service s JOIN applications_applicationdocument d "
        "ON d.application_id = s.template_id AND d.replaced_at IS NULL"
    )
    cursor.execute("CREATE TEMP TABLE syn_title (key text PRIMARY KEY, km text, en text) ON COMMIT DROP")
    cursor.executemany(
        "INSERT INTO syn_title VALUES (%s, %s, %s)", [(k, km, en) for k, (km, en) in _TITLES.items()]
    )
    cursor.execute(
        "CREATE TEMP TABLE syn_reason ON COMMIT DROP AS SELECT id, label_km FROM review_rejectionreason "
        'WHERE active ORDER BY "order", code LIMIT 1'
    )
    # Synthetic businesses when bench.synthetic made them (Single IDs 9…), else every business.
    cursor.execute(
        "CREATE TEMP TABLE syn_business ON COMMIT DROP AS "
        "SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM registry_business "
        "WHERE single_id LIKE '9%%' AND single_id ~ '^9[0-9]{9}$'"
    )
    cursor.execute("SELECT count(*) FROM syn_business")
    if cursor.fetchone()[0] == 0:
        cursor.execute(
            "INSERT INTO syn_business "
            "SELECT (row_number() OVER (ORDER BY id) - 1)::int, id FROM registry_business"
        )
    cursor.execute("ALTER TABLE syn_business ADD PRIMARY KEY (n)")
    cursor.execute(
        "CREATE TEMP TABLE syn_applicant ON COMMIT DROP AS "
        "SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM accounts_user "
        "WHERE username LIKE 'bench-applicant-%%' ORDER BY id LIMIT %s",
        [applicants],
    )
    cursor.execute("ALTER TABLE syn_applicant ADD PRIMARY KEY (n)")
    cursor.execute(
        "CREATE TEMP TABLE syn_plan (n bigint PRIMARY KEY, app_id bigint, svc int, status text, cur int, "
        "nsteps int, ret1 bool, held bool, sub_at timestamptz, gap interval, business_id bigint, "
        "applicant_id bigint) ON COMMIT DROP"
    )
    cursor.execute("ANALYZE syn_service, syn_step, syn_doc, syn_business, syn_applicant")


def _allocate(cursor, table: str, size: int) -> int:
    """The first id of a block of `size` ids taken from the table's identity sequence."""
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, size],
    )
    return cursor.fetchone()[0] - size + 1


PLAN = """
INSERT INTO syn_plan
SELECT n, %(app_base)s + (n - %(start)s), svc, status, cur, nsteps,
       status <> 'SUBMITTED' AND NOT (status = 'RETURNED' AND cur = 1) AND h4 %% 100 >= 90,
       CASE status WHEN 'SUBMITTED' THEN false WHEN 'REVIEWING' THEN cur = 1 OR h4 %% 10 < 6 ELSE true END,
       now() - make_interval(secs => age_s),
       make_interval(secs => age_s)
           / CASE WHEN status IN ('APPROVED', 'REJECTED') THEN nsteps + 1 ELSE cur + 1 END,
       business_id, applicant_id
FROM (
    SELECT g.n, s.idx AS svc, s.nsteps, g.h4, g.status,
           CASE WHEN g.status = 'APPROVED' THEN s.nsteps WHEN g.status = 'SUBMITTED' THEN 1
                ELSE 1 + g.h3 %% s.nsteps END AS cur,
           CASE WHEN g.status = 'SUBMITTED' THEN 3600 + g.h5 %% (14 * 86400)
                WHEN g.status IN ('REVIEWING', 'RETURNED') THEN 86400 + g.h5 %% (45 * 86400)
                ELSE 20 * 86400 + g.h5 %% (700 * 86400) END AS age_s,
           b.id AS business_id, a.id AS applicant_id
    FROM (
        SELECT n, h1 %% 1000 AS h1, h3, h4, h5, h6,
               CASE WHEN h2 %% 1000 < 750 THEN 'APPROVED' WHEN h2 %% 1000 < 850 THEN 'REJECTED'
                    WHEN h2 %% 1000 < 930 THEN 'REVIEWING' WHEN h2 %% 1000 < 960 THEN 'RETURNED'
                    ELSE 'SUBMITTED' END AS status
        FROM (
            SELECT n, abs(hashint8(n * 8 + 1)::bigint) AS h1, abs(hashint8(n * 8 + 2)::bigint) AS h2,
                   abs(hashint8(n * 8 + 3)::bigint) AS h3, abs(hashint8(n * 8 + 4)::bigint) AS h4,
                   abs(hashint8(n * 8 + 5)::bigint) AS h5, abs(hashint8(n * 8 + 6)::bigint) AS h6
            FROM generate_series(%(start)s::bigint, %(end)s::bigint) n
        ) hashes
    ) g
    JOIN syn_service s ON g.h1 >= s.lo AND g.h1 < s.hi
    JOIN syn_business b ON b.n = g.h6 %% (SELECT count(*) FROM syn_business)
    JOIN syn_applicant a ON a.n = g.h5 %% (SELECT count(*) FROM syn_applicant)
) planned
"""

# When each step was reached, completed and claimed, relative to the submission: step s is reached at
# sub_at + (s - 1) * gap. An application returned once at the first step was returned at 0.2 gap and came
# back at 0.4 gap (its first task's due date moved on by the pause); a returned one waits since 0.5 gap
# after reaching its current step.
APPLICATIONS = """
INSERT INTO applications_application (id, public_id, reference, status, closure, answers, prefilled,
    locked_fields, completed_steps, version, revision, correction_fields, correction_message, fee_amount,
    fee_currency, payment_requested_at, created_at, updated_at, draft_expires_at, discarded_at, submitted_at,
    last_submitted_at, expected_decision_date, decided_at, applicant_id, business_id, form_definition_id,
    licence_type_id, service_id, workflow_definition_id)
SELECT p.app_id, (%(prefix)s || lpad(p.n::text, 12, '0'))::uuid,
       s.inst_code || '-' || extract(year FROM p.sub_at)::int || '-' || (%(offset)s + p.n),
       p.status, '', t.answers, t.prefilled, t.locked_fields, t.completed_steps,
       2 + 2 * p.cur + CASE WHEN p.ret1 THEN 3 ELSE 0 END, CASE WHEN p.ret1 THEN 2 ELSE 1 END,
       CASE WHEN p.status = 'RETURNED' THEN ARRAY[s.correction_field]::varchar[] ELSE '{}' END,
       CASE WHEN p.status = 'RETURNED' THEN %(return_message)s ELSE '' END,
       t.fee_amount, t.fee_currency, NULL, p.sub_at - interval '1 hour',
       CASE WHEN p.status IN ('APPROVED', 'REJECTED') THEN p.sub_at + p.cur * p.gap
            WHEN p.status = 'RETURNED' THEN p.sub_at + (p.cur - 0.5) * p.gap ELSE p.sub_at + p.gap END,
       NULL, NULL, p.sub_at, CASE WHEN p.ret1 THEN p.sub_at + 0.4 * p.gap ELSE p.sub_at END,
       (p.sub_at + s.processing_days * interval '33 hours 36 minutes')::date,
       CASE WHEN p.status IN ('APPROVED', 'REJECTED') THEN p.sub_at + p.cur * p.gap END,
       p.applicant_id, p.business_id, t.form_definition_id, t.licence_type_id, t.service_id,
       t.workflow_definition_id
FROM syn_plan p JOIN syn_service s ON s.idx = p.svc JOIN applications_application t ON t.id = s.template_id
"""

DOCUMENTS = """
INSERT INTO applications_applicationdocument (id, field_key, file, original_name, extension, content_type,
    size, sha256, revision, uploaded_at, replaced_at, application_id, document_type_id, uploaded_by_id,
    position)
SELECT %(doc_base)s + (p.n - %(start)s) * %(max_docs)s + d.k, d.field_key, d.file, d.original_name,
       d.extension, d.content_type, d.size, d.sha256, 1, p.sub_at - interval '30 minutes', NULL, p.app_id,
       d.document_type_id, p.applicant_id, d.position
FROM syn_plan p JOIN syn_doc d ON d.svc = p.svc
"""

REVISIONS = """
INSERT INTO applications_applicationrevision (number, answers, document_ids, changed_fields, submitted_at,
    application_id, submitted_by_id)
SELECT r.number, tr.answers,
       ARRAY(SELECT (%(doc_base)s + (p.n - %(start)s) * %(max_docs)s + k)::int
             FROM generate_series(0, s.doc_count - 1) k),
       CASE WHEN r.number = 2 THEN ARRAY[s.correction_field]::varchar[] ELSE '{}' END,
       CASE WHEN r.number = 1 THEN p.sub_at ELSE p.sub_at + 0.4 * p.gap END, p.app_id, p.applicant_id
FROM syn_plan p JOIN syn_service s ON s.idx = p.svc
JOIN applications_applicationrevision tr ON tr.application_id = s.template_id AND tr.number = 1
CROSS JOIN LATERAL generate_series(1, CASE WHEN p.ret1 THEN 2 ELSE 1 END) r(number)
"""

# One row per step visited; `current` is the last one of an application that is not decided.
_VISITS = """
FROM (
    SELECT p.*, st.number, st.step_id, st.sla_days, st.officer_id, st.finishing, st.next_step_id,
           st.checklist,
           %(task_base)s + (p.n - %(start)s) * %(max_steps)s + (st.number - 1) AS task_id,
           p.sub_at + (st.number - 1) * p.gap AS reached,
           p.sub_at + st.number * p.gap AS left_at,
           st.number < p.cur OR p.status IN ('APPROVED', 'REJECTED') AS done,
           st.number = p.cur AND p.status NOT IN ('APPROVED', 'REJECTED') AS current
    FROM syn_plan p JOIN syn_step st ON st.svc = p.svc AND st.number <= p.cur
) v
"""

TASKS = (
    """
INSERT INTO review_reviewtask (id, state, claimed_at, reached_at, due_date, paused_at, paused_working_days,
    overdue_notified_at, completed_at, outcome, application_id, holder_id, step_id)
SELECT task_id, CASE WHEN done THEN 'DONE' WHEN status = 'RETURNED' THEN 'WAITING' ELSE 'OPEN' END,
       CASE WHEN done OR held THEN reached + 0.1 * gap END, reached, due,
       CASE WHEN current AND status = 'RETURNED' THEN reached + 0.5 * gap END, paused_days,
       CASE WHEN current AND status <> 'RETURNED' AND due < current_date - 1 THEN due + 1 END,
       CASE WHEN done THEN left_at END,
       CASE WHEN NOT done THEN '' WHEN number < cur THEN finishing
            WHEN status = 'APPROVED' THEN 'approve' ELSE 'reject' END,
       app_id, CASE WHEN done OR held THEN officer_id END, step_id
FROM (
    SELECT v.*, (reached + make_interval(days => ceil(sla_days * 1.4)::int)
                 + CASE WHEN ret1 AND number = 1 THEN 0.2 * gap ELSE interval '0' END)::date AS due,
           CASE WHEN ret1 AND number = 1 THEN floor(extract(epoch FROM 0.2 * gap) / 86400 * 5 / 7)::int
                ELSE 0 END AS paused_days
    """
    + _VISITS
    + ") visits"
)

ACTIONS = (
    """
INSERT INTO review_reviewaction (action, message, note, checklist_item_ids, application_version, at,
    application_id, assignee_id, officer_id, reason_id, step_id, to_step_id, task_id)
SELECT a.action, a.message, a.note, CASE WHEN a.action IN ('forward', 'recommend', 'approve') THEN v.checklist
                                         ELSE '{}' END,
       2 * v.number + a.ord, a.at, v.app_id, NULL, v.officer_id, a.reason_id, v.step_id, a.to_step, v.task_id
"""
    + _VISITS
    + """
CROSS JOIN LATERAL (VALUES
    (0, 'claim', v.reached + 0.1 * v.gap, '', '', NULL::bigint, NULL::bigint, v.done OR v.held),
    (1, 'return', v.reached + 0.2 * v.gap, %(return_message)s, '', NULL, NULL, v.ret1 AND v.number = 1),
    (2, v.finishing, v.left_at, '', CASE WHEN v.finishing = 'recommend' THEN %(note)s ELSE '' END, NULL,
        v.next_step_id, v.number < v.cur),
    (2, 'approve', v.left_at, '', '', NULL, NULL, v.status = 'APPROVED' AND v.number = v.cur),
    (2, 'reject', v.left_at, (SELECT label_km FROM syn_reason), '', (SELECT id FROM syn_reason), NULL,
        v.status = 'REJECTED' AND v.number = v.cur),
    (3, 'return', v.reached + 0.5 * v.gap, %(return_message)s, '', NULL, NULL,
        v.current AND v.status = 'RETURNED')
) a(ord, action, at, message, note, reason_id, to_step, happened)
WHERE a.happened
"""
)

NOTES = (
    """
INSERT INTO review_internalnote (body, at, application_id, author_id, task_id)
SELECT %(note)s, v.left_at, v.app_id, v.officer_id, v.task_id
"""
    + _VISITS
    + " WHERE v.finishing = 'recommend' AND v.number < v.cur"
)

# The applicant's timeline, as the real path writes it (titles from applications.services.status).
EVENTS = """
INSERT INTO applications_applicationevent (at, kind, from_status, to_status, title_km, title_en, message,
    internal_note, actor_kind, revision, actor_id, application_id)
SELECT e.at, e.kind, e.from_status, e.to_status, t.km, t.en, e.message, '', e.actor_kind, e.revision,
       e.actor, p.app_id
FROM syn_plan p
JOIN syn_step first ON first.svc = p.svc AND first.number = 1
JOIN syn_step here ON here.svc = p.svc AND here.number = p.cur
CROSS JOIN LATERAL (VALUES
    ('created', 'CREATED', '', '', '', 'APPLICANT', 0, p.applicant_id, p.sub_at - interval '1 hour', true),
    ('submitted', 'STATUS', 'DRAFT', 'SUBMITTED', '', 'APPLICANT', 1, p.applicant_id, p.sub_at, true),
    ('received', 'STATUS', 'SUBMITTED', 'REVIEWING', '', 'OFFICER', 1, first.officer_id,
        p.sub_at + 0.1 * p.gap,
        p.status <> 'SUBMITTED'),
    ('returned', 'STATUS', 'REVIEWING', 'RETURNED', %(return_message)s, 'OFFICER', 1, first.officer_id,
        p.sub_at + 0.2 * p.gap, p.ret1),
    ('resubmitted', 'STATUS', 'RETURNED', 'SUBMITTED', '', 'APPLICANT', 2, p.applicant_id,
        p.sub_at + 0.4 * p.gap, p.ret1),
    ('received', 'STATUS', 'SUBMITTED', 'REVIEWING', '', 'OFFICER', 2, first.officer_id,
        p.sub_at + 0.5 * p.gap,
        p.ret1),
    ('returned', 'STATUS', 'REVIEWING', 'RETURNED', %(return_message)s, 'OFFICER', 1 + p.ret1::int,
        here.officer_id, p.sub_at + (p.cur - 0.5) * p.gap, p.status = 'RETURNED'),
    ('approved', 'STATUS', 'REVIEWING', 'APPROVED', '', 'OFFICER', 1 + p.ret1::int, here.officer_id,
        p.sub_at + p.cur * p.gap, p.status = 'APPROVED'),
    ('rejected', 'STATUS', 'REVIEWING', 'REJECTED', (SELECT label_km FROM syn_reason), 'OFFICER',
        1 + p.ret1::int, here.officer_id, p.sub_at + p.cur * p.gap, p.status = 'REJECTED')
) e(title, kind, from_status, to_status, message, actor_kind, revision, actor, at, happened)
JOIN syn_title t ON t.key = e.title
WHERE e.happened
"""

FORWARDED_EVENTS = (
    """
INSERT INTO applications_applicationevent (at, kind, from_status, to_status, title_km, title_en, message,
    internal_note, actor_kind, revision, actor_id, application_id)
SELECT v.left_at, 'FORWARDED', '', '', t.km, t.en, '', '', 'OFFICER', 1 + v.ret1::int, v.officer_id, v.app_id
"""
    + _VISITS
    + " JOIN syn_title t ON t.key = 'forwarded' WHERE v.number < v.cur"
)


def load_batch(cursor, start: int, end: int) -> dict[str, int]:
    """Synthetic applications start..end (all missing), with everything that hangs off them."""
    size = end - start + 1
    params = {
        "start": start,
        "end": end,
        "prefix": PUBLIC_ID_PREFIX,
        "offset": REFERENCE_OFFSET,
        "return_message": RETURN_MESSAGE,
        "note": RECOMMENDATION,
        "max_docs": MAX_DOCUMENTS,
        "max_steps": MAX_STEPS,
        "app_base": _allocate(cursor, "applications_application", size),
        "doc_base": _allocate(cursor, "applications_applicationdocument", size * MAX_DOCUMENTS),
        "task_base": _allocate(cursor, "review_reviewtask", size * MAX_STEPS),
    }
    cursor.execute("TRUNCATE syn_plan")
    cursor.execute(PLAN, params)
    cursor.execute("ANALYZE syn_plan")
    rows = {}
    for table, statement in (
        ("applications", APPLICATIONS),
        ("documents", DOCUMENTS),
        ("revisions", REVISIONS),
        ("tasks", TASKS),
        ("actions", ACTIONS),
        ("internal notes", NOTES),
        ("events", EVENTS),
        ("forwarded events", FORWARDED_EVENTS),
    ):
        cursor.execute(statement, params)
        rows[table] = cursor.rowcount
    return rows


# --- bulk mode: indexes and foreign keys rebuilt after the load ---------------------------------------------


def drop_secondary_indexes(cursor) -> list[str]:
    """Drop the non-unique indexes of the loaded tables; return their definitions. Unique ones stay."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1",
        [list(APPLICATION_TABLES)],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def restore_indexes(cursor, definitions: list[str]) -> None:
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for definition in definitions:
        cursor.execute(definition)


def drop_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [list(APPLICATION_TABLES)],
    )
    keys = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return keys


def restore_foreign_keys(cursor, keys: list[tuple[str, str, str]]) -> None:
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def analyze(cursor) -> None:
    for table in APPLICATION_TABLES:
        cursor.execute(f"ANALYZE {table}")
