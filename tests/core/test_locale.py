"""Our corrections to Django's Chinese: a form label ends in "：", the admin's add-account hint is
Chinese; and the committed .mo says what its .po says (``python -m xueji.locale_build``)."""

from __future__ import annotations

import gettext

from django.utils import translation

from xueji.locale_build import LOCALE, mo_bytes, read_po


def test_the_compiled_catalogue_is_the_source_compiled():
    for po in LOCALE.glob("*/LC_MESSAGES/*.po"):
        assert po.with_suffix(".mo").read_bytes() == mo_bytes(read_po(po)), po


def test_labels_end_in_a_chinese_colon(world):
    from xueji.changes.forms import DocumentForm  # noqa: F401 - any form with a label will do
    from xueji.students.forms import EvidenceForm

    with translation.override("zh-hans"):
        assert EvidenceForm()["category"].label_tag().endswith("：</label>")
        assert translation.gettext(
            "After you’ve created a user, you’ll be able to edit more user options."
        ).startswith("创建账号后")
    catalogue = gettext.GNUTranslations(open(next(LOCALE.glob("zh_Hans/LC_MESSAGES/django.mo")), "rb"))  # noqa: SIM115
    assert catalogue.gettext(":") == "："
