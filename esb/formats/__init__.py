"""One way to write dates per language (FORMAT_MODULE_PATH), so every page, e-mail and the back-office agree.

English: "4 Dec 2026" and "4 Dec 2026, 18:20" (day first, as in Cambodia; 24-hour clock; no "p.m.").
Khmer: the same order with Khmer month names, "4 ធ្នូ 2026, 18:20"; digits stay Western as in fees and
references elsewhere on the portal. Templates show dates through `|esb_date` / `|esb_datetime`
(esb.templatetags.esb_ui), never a raw `|date` with a format of their own.
"""
