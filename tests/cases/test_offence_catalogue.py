import pytest
from django.apps import apps

from cases.models import Offence
from tests.factories.custody import CATALOGUE

CODES = {
    "POCA1978-1-1-a",
    "POCA1978-1-1-b",
    "POCA1978-1-1-c",
    "POCA1978-1-1-d",
    "CJA1988-160",
    "CJA2009-62",
    "SOA2003-15A",
    "SOA2003-10",
    "SOA2003-14",
    "SOA2003-48",
    "SOA2003-49",
    "SOA2003-50",
    "CJIA2008-63",
}


@pytest.fixture
def catalogue(db):
    """The catalogue as migration 0003 loads it, from an empty table (loading twice changes nothing)."""
    Offence.objects.all().delete()
    CATALOGUE.load_offences(apps, None)
    CATALOGUE.load_offences(apps, None)


def test_the_migration_loads_the_thirteen_catalogue_offences_all_active(catalogue):
    assert set(Offence.objects.values_list("code", flat=True)) == CODES
    assert Offence.objects.filter(active=True).count() == 13


def test_the_migration_depends_on_the_search_warrant_migration():
    assert CATALOGUE.Migration.dependencies == [("cases", "0002_search_add_warrant")]


def test_reversing_the_migration_removes_the_catalogue(catalogue):
    CATALOGUE.unload_offences(apps, None)
    assert not Offence.objects.filter(code__in=CODES).exists()


@pytest.mark.parametrize(
    ("code", "statute", "section", "max_years"),
    [
        ("POCA1978-1-1-a", "Protection of Children Act 1978", "s.1(1)(a)", 10),
        ("CJA1988-160", "Criminal Justice Act 1988", "s.160", 5),
        ("CJA2009-62", "Coroners and Justice Act 2009", "s.62", 3),
        ("SOA2003-15A", "Sexual Offences Act 2003", "s.15A", 2),
        ("CJIA2008-63", "Criminal Justice and Immigration Act 2008", "s.63", 3),
    ],
)
def test_catalogue_offences_carry_statute_section_and_maximum_sentence(catalogue, code, statute, section, max_years):
    offence = Offence.objects.get(code=code)
    assert (offence.statute, offence.section, offence.max_sentence_years) == (statute, section, max_years)
