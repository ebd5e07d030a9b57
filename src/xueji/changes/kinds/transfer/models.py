"""The transfer's own record: the online verification (核验, R10.3) that lets a registrar start a
transfer for the student found."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Verification(models.Model):
    """A registrar found this student by ID number + name (R10.3, R10.6: never a 学籍证明). For 24
    hours it lets that registrar open a transfer for the student: a student id guessed rather than
    verified opens nothing (and so reveals no name)."""

    registrar = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField("核验时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "转学核验"
        indexes = [
            models.Index(fields=["registrar", "student", "verified_at"], name="transfer_verification_idx")
        ]

    def __str__(self) -> str:
        return f"{self.registrar_id} → {self.student_id} {self.verified_at:%Y-%m-%d %H:%M}"
