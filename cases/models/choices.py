"""Categories shared across stages, named as in DOMAIN.md."""

from django.db import models


class ImageCategory(models.TextChoices):
    """Sentencing Council guideline (2014) categories of indecent images."""

    A = "A", "Category A (penetrative, bestiality, sadism)"
    B = "B", "Category B (non-penetrative)"
    C = "C", "Category C (other indecent)"
