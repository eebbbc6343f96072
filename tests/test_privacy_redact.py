"""Redaction of personal data in answers: real-world shapes are removed, look-alikes are kept."""

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.privacy.redact import (
    KINDS,
    merge_counts,
    normalise,
    redact,
    redact_answers,
    redaction_notice,
)

LABELLED = Path(__file__).parent / "data" / "redaction_labelled.yaml"


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        # CPR numbers
        ("Borgerens cpr er 010190-1234.", "Borgerens cpr er [CPR].", {"cpr": 1}),
        ("cpr.nr.: 0101901234", "cpr.nr.: [CPR]", {"cpr": 1}),
        ("CPR 311299 1234 står i sagen", "CPR [CPR] står i sagen", {"cpr": 1}),
        ("født 290200-4321 (skudår)", "født [CPR] (skudår)", {"cpr": 1}),
        ("nyt nummer 150708-9991 uden mod 11", "nyt nummer [CPR] uden mod 11", {"cpr": 1}),
        ("(010190-1234)", "([CPR])", {"cpr": 1}),
        ("to borgere: 010190-1234 og 020285-4321", "to borgere: [CPR] og [CPR]", {"cpr": 2}),
        # phone numbers
        ("Ring på 22334455.", "Ring på [TLF].", {"phone": 1}),
        ("tlf. 22 33 44 55", "tlf. [TLF]", {"phone": 1}),
        ("mobil 2233 4455", "mobil [TLF]", {"phone": 1}),
        ("+45 22 33 44 55", "[TLF]", {"phone": 1}),
        ("+4522334455", "[TLF]", {"phone": 1}),
        ("0045 22334455", "[TLF]", {"phone": 1}),
        ("(+45) 89 70 10 00", "[TLF]", {"phone": 1}),
        ("ring 22-33-44-55 eller 22.33.44.55", "ring [TLF] eller [TLF]", {"phone": 2}),
        ("tlf:87654321", "tlf:[TLF]", {"phone": 1}),
        ("tlf+4522334455", "tlf[TLF]", {"phone": 1}),
        ("mobil: +45 2233 4455.", "mobil: [TLF].", {"phone": 1}),
        # e-mail addresses
        ("skriv til anne.hansen@silkeborg.dk", "skriv til [EMAIL]", {"email": 1}),
        ("Mail: Jens_Ø+flip@job-center.herning.dk.", "Mail: [EMAIL].", {"email": 1}),
        ("<mailto:a@b.dk|a@b.dk>", "<mailto:[EMAIL]|[EMAIL]>", {"email": 2}),
        # street addresses
        ("hun bor på Vestergade 12", "hun bor på [ADRESSE]", {"address": 1}),
        ("Vestergade 12, 2. th., 8600 Silkeborg", "[ADRESSE]", {"address": 1}),
        ("mødet var på Gl. Kongevej 10 st. tv.", "mødet var på [ADRESSE]", {"address": 1}),
        ("H.C. Andersens Boulevard 27", "[ADRESSE]", {"address": 1}),
        ("Sankt Annæ Plads 5", "[ADRESSE]", {"address": 1}),
        ("Solbakken 4 og Rosenvænget 3B", "[ADRESSE] og [ADRESSE]", {"address": 1 * 2}),
        ("Åvej 3", "[ADRESSE]", {"address": 1}),
        ("Kongens Nytorv 2, 1050 København K", "[ADRESSE]", {"address": 1}),
        (
            "jeg bor på vestergade 12 i Silkeborg",
            "jeg bor på [ADRESSE] i Silkeborg",
            {"address": 1},
        ),
        ("Nørregade 7, 3. sal", "[ADRESSE]", {"address": 1}),
        ("Egehaven 12A", "[ADRESSE]", {"address": 1}),
        ("Søndre Allé 4", "[ADRESSE]", {"address": 1}),
        ("Vestergade nr. 12", "[ADRESSE]", {"address": 1}),
        ("Vesterbrogade 12-14, 1620 København V", "[ADRESSE]", {"address": 1}),
        ("mødet var på Torvet 2, 1. sal", "mødet var på [ADRESSE]", {"address": 1}),
        ("Sølvgade 12, 1. tv, 1307 København K.", "[ADRESSE].", {"address": 1}),
        ("Bytoften 3 og Hedelunden 5", "[ADRESSE] og [ADRESSE]", {"address": 2}),
        # several kinds at once
        (
            "Borger (010190-1234) på Vestergade 12, tlf 22334455, a@b.dk",
            "Borger ([CPR]) på [ADRESSE], tlf [TLF], [EMAIL]",
            {"cpr": 1, "address": 1, "phone": 1, "email": 1},
        ),
    ],
)
def test_personal_data_is_replaced(text, expected, removed):
    result = redact(text)
    assert result.text == expected
    assert result.removed == removed


@pytest.mark.parametrize(
    "text",
    [
        "Mødet er 12-03-2026 kl. 10.30.",
        "Vi ses 2026-03-12 eller 12/03/2026 eller 03.12.2026.",
        "I 2026 og fra 1990-2000, 2024-2026 og skoleåret 2024 2025.",
        "8 ud af 10 borgere, 45 % og 12,5 procent.",
        "Tilskuddet er 12.500 kr. og budgettet 1.250.000 kr, eller 12 500 kr.",
        "CVR 29189854 og cvr-nr.: 29189854",
        "EAN 5798000416604",
        "Ugyldig dato: 310299-1234 og 320190-1234 og 011390-1234.",
        "290201-1234 er ingen dato",
        "Telefonnumre starter ikke med 1: 12345678",
        "Bestilling 1022334455 og kode A22334455",
        "12345678901 er for langt",
        "han har en arbejdsplads 3 dage om ugen",
        "praktikplads i 3 måneder",
        "Have 3 børn er meget",
        "Lars Løkke 2",
        "der er plads 3 personer",
        "vi stod på Torvet 2 timer",
        "omvej 2 gange",
        "uge 12 og kl. 14",
        "Paragraf 38 og § 17, stk. 4",
        "LAB § 4 og § 17 stk. 2 nr. 3",
        "E45 og G20 og B12 og A4-papir",
        "Q3 2026 og F-16",
        "kl. 10.30 og version 2.1.0",
        "5 borgere i forløb, 2 i job",
        "@channel og <@U0SILK001> og @jens",
        "version 1.2.3 og 3.12",
        "Tlf-tid 9-12",
    ],
)
def test_text_that_only_looks_similar_is_left_alone(text):
    result = redact(text)
    assert result.text == text
    assert result.removed == {}


# -- the shapes people type (issue 15) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        # CPR numbers as Word, phones and hurried typing produce them
        ("cpr 150387 - 4411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),
        ("cpr 150387\u20134411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),  # en dash
        ("cpr 150387\u20114411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),  # no-break hyphen
        ("cpr 150387\u20124411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),  # figure dash
        ("cpr 150387\u22124411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),  # minus sign
        ("cpr 150387\u00a04411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),  # no-break space
        ("cpr 150387 \u2013 4411 i sagen", "cpr [CPR] i sagen", {"cpr": 1}),
        ("født 15.03.87-4411, ledig", "født [CPR], ledig", {"cpr": 1}),
        ("født 15.03.87 - 4411, ledig", "født [CPR], ledig", {"cpr": 1}),
        ("hun læste 15 03 87 4411 op", "hun læste [CPR] op", {"cpr": 1}),
        ("borgeren med 1503874411 kom", "borgeren med [CPR] kom", {"cpr": 1}),  # modulus 11 holds
        (
            "borgeren med 0101901234 kom",
            "borgeren med [CPR] kom",
            {"cpr": 1},
        ),  # valid date is enough
        ("Personnr. 2706893000 rettes", "Personnr. [CPR] rettes", {"cpr": 1}),
        ("sagsnr. 1503874411", "sagsnr. [CPR]", {"cpr": 1}),  # a CPR number used as case number
        # phone numbers
        ("ring 22\u00a033\u00a044\u00a055", "ring [TLF]", {"phone": 1}),
        ("ring 22\u202f33\u202f44\u202f55", "ring [TLF]", {"phone": 1}),  # narrow no-break space
        ("nummer 22 334 455.", "nummer [TLF].", {"phone": 1}),
        ("han skrev 2233-4455 på sedlen", "han skrev [TLF] på sedlen", {"phone": 1}),
        ("ring 2687\u20131122 i morgen", "ring [TLF] i morgen", {"phone": 1}),
        ("tlf. +45\u00a040\u00a012\u00a034\u00a056", "tlf. [TLF]", {"phone": 1}),
        ("Svensk nummer +46 70 123 45 67.", "Svensk nummer [TLF].", {"phone": 1}),
        ("tysk 0049 151 23456789", "tysk [TLF]", {"phone": 1}),
        ("London +44 20 7946 0958", "London [TLF]", {"phone": 1}),
        ("norsk +47 912 34 567", "norsk [TLF]", {"phone": 1}),
        ("Direkte nummer 87 22 55 00", "Direkte nummer [TLF]", {"phone": 1}),
        ("tlf.nr. 51 234 567", "tlf.nr. [TLF]", {"phone": 1}),
        ("Hans telefonnummer er 42.33.21.10.", "Hans telefonnummer er [TLF].", {"phone": 1}),
        # street addresses in the definite form, with postcode and town
        ("hun bor på Strandvejen 100", "hun bor på [ADRESSE]", {"address": 1}),
        ("hjemme på Hovedgaden 5.", "hjemme på [ADRESSE].", {"address": 1}),
        (
            "firmaet ligger Ved Stranden 3, ved havnen",
            "firmaet ligger [ADRESSE], ved havnen",
            {"address": 1},
        ),
        ("adresse: Strandvejen 100, 2900 Hellerup.", "adresse: [ADRESSE].", {"address": 1}),
        (
            "flyttet til Hovedgaden 5, 9640 Farsø, i maj",
            "flyttet til [ADRESSE], i maj",
            {"address": 1},
        ),
        ("bor Bag Haverne 4", "bor [ADRESSE]", {"address": 1}),
        ("bor Ved Søen 9, 8680 Ry", "bor [ADRESSE]", {"address": 1}),
        ("Bredgaden 30, 1. sal", "[ADRESSE]", {"address": 1}),
        ("Engvej 2\u00a0A, 9600 Aars", "[ADRESSE]", {"address": 1}),
        ("Nygade 6,\u00a08600\u00a0Silkeborg", "[ADRESSE]", {"address": 1}),
        ("Silkeborgvej 250, 8000 Aarhus C.", "[ADRESSE].", {"address": 1}),
        # e-mail addresses spelt out
        ("mail mira.hansen (at) gmail.com i dag", "mail [EMAIL] i dag", {"email": 1}),
        ("mail mira.hansen(at)gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail mira.hansen [at] gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail mira.hansen[AT]gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail mira.hansen{at}gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail mira.hansen snabel-a gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail mira.hansen (snabel-a) gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail sofie1998 snabel-a gmail.com", "mail [EMAIL]", {"email": 1}),
        ("mail mette.holm @ silkeborg.dk.", "mail [EMAIL].", {"email": 1}),
        ("mira.hansen at gmail.com er hendes", "[EMAIL] er hendes", {"email": 1}),
        ("mail mira.hansen\u00a0(at)\u00a0gmail.com", "mail [EMAIL]", {"email": 1}),
    ],
)
def test_shapes_people_type_are_replaced(text, expected, removed):
    result = redact(text)
    assert result.text == expected
    assert result.removed == removed


@pytest.mark.parametrize(
    "text",
    [
        # numbers named as something else by the word before them
        "om sag 2026-1234 står i journalen",
        "P-nummer 1003388888 hører til afdelingen.",
        "Lønnummer 22334455 skal bruges.",
        "Lønnr. 22334455 og medarbejdernr. 40123456",
        "Kundenummer 22334455, fakturanr. 22334455 og ordrenr. 22334455",
        "Brugerid 22334455 er spærret.",
        "Virksomhedens CVR er 29189854.",
        # amounts, years and case numbers of a year
        "Tilskuddet var 22 334 455 kr. over tre år.",
        "Budget 22 334 455 DKK",
        "Forløbet varer fra 2024-2026.",
        "om sag 2026-1234 og sag 2025-0042",
        "Referat fra 03.12.25 og møde den 15.03.2026 kl. 10.",
        "Overenskomsten gælder fra 01.04.2025 til 31.03.2028.",
        "Kl. 08.00-15.30 er der åbent.",
        # versions and project names are not addresses
        "Projektet hedder Fremtidsvej 2.0 og starter i august.",
        "Vi er i gang med Fremtidsvejen 2.0.",
        "På Virksomhedsvej 2.0-konferencen talte vi om fastholdelse.",
        "Kampagnen Vejen 2.0 kører.",
        "Vi mødtes Ved Mødet 3. juni.",
        "Jobcentret ligger 3 km fra Hovedgaden.",
        "Hovedgaden-butikkerne tog 5 praktikanter.",
        "Vi havde møde med Ved Stranden-gruppen om 3 nye forløb.",
        # "at" is a Danish word, and a web address is not an e-mail address
        "Husk at jobnet.dk er lukket i weekenden.",
        "Hun valgte at borger.dk var nemmest.",
        "skriv til @jens.hansen i Slack",
        "Det er vigtigt (at) vi når det.",
        # Unicode spaces and dashes with nothing personal around them
        "Mødet\u00a0er kl.\u00a010\u201312 i uge\u202f12.",
        "Der var 2\u00a0borgere og 3\u2011årige forløb.",
    ],
)
def test_shapes_that_only_look_personal_are_left_alone(text):
    result = redact(text)
    assert result.text == text
    assert result.removed == {}


def test_text_around_a_removal_keeps_its_own_unicode_spaces_and_dashes():
    text = "Mødet\u00a0kl.\u00a010 \u2013 ring 22\u00a033\u00a044\u00a055\u2009i\u00a0dag"
    assert redact(text).text == "Mødet\u00a0kl.\u00a010 \u2013 ring [TLF]\u2009i\u00a0dag"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\u00a0b\u202fc\u2009d\u3000e", "a b c d e"),
        ("1\u20132\u20113\u20124\u22125\u20146", "1-2-3-4-5-6"),
        ("\uff12\uff13 \u0662", "23 2"),  # full-width and Arabic-Indic digits
        (
            "m\u00b2 og \u00bd",
            "m\u00b2 og \u00bd",
        ),  # superscripts and fractions are not typed digits
        ("Æblegade 12 \U0001f600", "Æblegade 12 \U0001f600"),
    ],
)
def test_normalise_folds_spaces_dashes_and_digits_one_for_one(text, expected):
    assert normalise(text) == expected
    assert len(normalise(text)) == len(text)


def _labelled():
    import yaml

    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))


def test_the_labelled_set_is_large_and_every_label_is_in_its_sentence():
    entries = _labelled()
    assert len(entries) >= 200
    assert sum(1 for e in entries if not any(e.get(k) for k in KINDS)) >= 90
    for entry in entries:
        assert set(entry) <= {"text", *KINDS}
        for kind in KINDS:
            for piece in entry.get(kind, []):
                assert piece in entry["text"]


@pytest.mark.parametrize("entry", _labelled(), ids=lambda e: e["text"][:50])
def test_every_labelled_sentence_is_redacted_as_labelled(entry):
    result = redact(entry["text"])
    assert result.removed == {kind: len(entry[kind]) for kind in KINDS if entry.get(kind)}
    for kind in KINDS:
        for piece in entry.get(kind, []):
            assert piece not in result.text
            for digits in re.findall(r"\d{4,}", piece):  # a postcode left behind, say
                assert digits not in result.text
    if not any(entry.get(kind) for kind in KINDS):
        assert result.text == entry["text"]


def test_answers_are_redacted_per_question_and_counted_together():
    answers, removed = redact_answers({"q1": "ring 22334455", "q2": "a@b.dk og 22 33 44 55"})
    assert answers == {"q1": "ring [TLF]", "q2": "[EMAIL] og [TLF]"}
    assert removed == {"email": 1, "phone": 2}
    assert merge_counts({"phone": 1}, {"phone": 2, "cpr": 1}) == {"cpr": 1, "phone": 3}


@pytest.mark.parametrize(
    ("removed", "language", "sentence"),
    [
        (
            {"cpr": 1, "phone": 1},
            "da",
            "Jeg har fjernet et CPR-nummer og et telefonnummer fra dit svar, før det blev gemt.",
        ),
        (
            {"phone": 2, "email": 1, "address": 1},
            "da",
            "Jeg har fjernet en mailadresse, 2 telefonnumre og en adresse fra dit svar, "
            "før det blev gemt.",
        ),
        ({"address": 3}, "en", "I removed 3 addresses from your answer before it was saved."),
        (
            {"email": 1},
            "nb",
            "Jeg har fjernet en e-postadresse fra svaret ditt før det ble lagret.",
        ),
    ],
)
def test_the_broker_is_told_what_was_removed(removed, language, sentence):
    assert redaction_notice(removed, language) == sentence


def test_nothing_removed_means_nothing_to_say():
    assert redaction_notice({}) is None
    assert redaction_notice({"cpr": 0}) is None


# -- properties -----------------------------------------------------------------------------

CPR_CHECK = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?!\d)")
EMAIL_CHECK = re.compile(r"[\w.+-]+@[\w-]+\.[A-Za-z]{2,}")


def valid_cprs(text: str) -> list[str]:
    found = []
    for match in CPR_CHECK.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        for century in (1900, 2000):
            try:
                date(century + year, month, day)
                found.append(match.group(0))
                break
            except ValueError:
                pass
    return found


cprs = st.builds(
    lambda d, sep, serial: f"{d:%d%m%y}{sep}{serial:04d}",
    st.dates(date(1900, 1, 1), date(2099, 12, 31)),
    st.sampled_from(["-", "", " "]),
    st.integers(0, 9999),
)
phones = st.builds(
    lambda prefix, n, shape: prefix + shape(str(n)),
    st.sampled_from(["", "+45 ", "0045", "(+45) "]),
    st.integers(20000000, 99999999),
    st.sampled_from(
        [
            lambda s: s,
            lambda s: " ".join(s[i : i + 2] for i in range(0, 8, 2)),
            lambda s: f"{s[:4]} {s[4:]}",
        ]
    ),
)
emails = st.from_regex(r"[a-z][a-z0-9.]{0,10}@[a-z]{2,8}\.(dk|com|org)", fullmatch=True)
words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40)
mixed = st.lists(st.one_of(words, cprs, phones, emails), max_size=8).map(" ".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(alphabet=st.characters()), mixed))
def test_redaction_never_raises_and_is_idempotent(text):
    once = redact(text)
    assert redact(once.text).text == once.text
    assert redact(once.text).removed == {}
    assert set(once.removed) <= set(KINDS)


@settings(max_examples=300)
@given(mixed)
def test_no_valid_cpr_or_email_survives(text):
    result = redact(text).text
    assert valid_cprs(result) == []
    assert EMAIL_CHECK.search(result) is None


@settings(max_examples=200)
@given(st.lists(st.one_of(words, cprs, phones, emails), min_size=1, max_size=6))
def test_every_planted_cpr_and_email_is_counted(parts):
    text = " ~ ".join(parts)
    planted_cpr = sum(1 for p in parts if valid_cprs(p) == [p])
    result = redact(text)
    assert result.removed.get("cpr", 0) >= planted_cpr
    assert EMAIL_CHECK.search(result.text) is None


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Nd"), blacklist_characters="@")))
def test_text_without_digits_or_at_signs_is_never_changed(text):
    # Spelt-out e-mails ("a.b (at) c.dk") need the word "at" or "snabel-a": none, none changed.
    assume(not re.search(r"(?i)\bat\b|snabel", text))
    assert redact(text).text == text


def test_the_demo_answers_and_the_prompt_library_are_left_alone():
    """Real Danish job-centre prose (ages, durations, section numbers) is not personal data."""
    import yaml

    from bot.demo import ANSWERS_FILE
    from bot.prompts import load_library

    samples = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    texts = [value for sample in samples for value in sample["answers"].values()]
    for prompt in load_library().all():
        texts += [prompt.title, prompt.body, *(q.label for q in prompt.questions)]
        for translated in prompt.translations.values():
            texts += [translated.title, translated.body]
    changed = [text[:80] for text in texts if redact(text).removed]
    assert changed == []
    assert sum(1 for text in texts if re.search(r"\d", text)) >= 10  # the numbers are there


def test_lone_surrogates_become_replacement_characters_so_the_text_can_be_stored():
    assert redact("a\ud800b").text == "a\ufffdb"
    assert redact("\ud83d\ude00").text == "😀"  # a valid pair (as JSON can deliver it) is joined
    assert redact("a\ud800b").removed == {}


plain_words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Nd"), blacklist_characters="@~"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200)
@given(st.lists(st.one_of(plain_words, cprs, phones, emails), min_size=1, max_size=8))
def test_words_around_personal_data_survive(parts):
    result = redact(" ~ ".join(parts)).text
    pieces = result.split(" ~ ")
    assert len(pieces) == len(parts)
    for part, piece in zip(parts, pieces, strict=True):
        if not re.search(r"\d|@", part):
            assert piece == part
        else:
            assert piece in ("[CPR]", "[TLF]", "[EMAIL]")


@pytest.mark.parametrize("text", ["P 0101000000", "se 0101000000 i journalen"])
def test_a_bare_letter_or_a_common_word_does_not_make_a_cpr_number_something_else(text):
    # Found by the property test above: "P" and "se" were taken as labels of other numbers.
    assert "0101000000" not in redact(text).text
    assert redact(text).removed == {"cpr": 1}


# -- case numbers, diagnosis codes and Norwegian fødselsnumre (issue 15) -------------------


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        ("sagsnr. 2024-012345", "sagsnr. [SAGSNR]", {"sagsnummer": 1}),
        (
            "Sagsnr.: 2301251234 er overdraget.",
            "Sagsnr.: [SAGSNR] er overdraget.",
            {"sagsnummer": 1},
        ),
        ("j.nr. 27.12.04-P20-1-24.", "j.nr. [SAGSNR].", {"sagsnummer": 1}),
        ("journalnr. 22334455", "journalnr. [SAGSNR]", {"sagsnummer": 1}),
        ("Journalnummer 24/12345", "Journalnummer [SAGSNR]", {"sagsnummer": 1}),
        ("sagsnummer 22334455", "sagsnummer [SAGSNR]", {"sagsnummer": 1}),
        ("Sagsnummeret er 2024-1187.", "Sagsnummeret er [SAGSNR].", {"sagsnummer": 1}),
        ("sagsnr. 1503874411", "sagsnr. [CPR]", {"cpr": 1}),  # passes the CPR check: a CPR
        ("Diagnosen er F32.1.", "Diagnosen er [DIAGNOSE].", {"diagnosekode": 1}),
        ("en F20-diagnose", "en [DIAGNOSE]-diagnose", {"diagnosekode": 1}),
        ("DF321 og DF32.1", "[DIAGNOSE] og [DIAGNOSE]", {"diagnosekode": 2}),
        ("diagnose: E11 og J45", "diagnose: [DIAGNOSE] og [DIAGNOSE]", {"diagnosekode": 2}),
        ("M54.5 i attesten", "[DIAGNOSE] i attesten", {"diagnosekode": 1}),
        # Norwegian fødselsnumre (check digits worked out by hand), as CPR
        ("fnr. 01019010046", "fnr. [CPR]", {"cpr": 1}),
        ("fødselsnummer 150387 10041", "fødselsnummer [CPR]", {"cpr": 1}),
        ("D-nummer 41019010110", "D-nummer [CPR]", {"cpr": 1}),
    ],
)
def test_case_numbers_diagnosis_codes_and_norwegian_numbers_are_replaced(text, expected, removed):
    result = redact(text)
    assert result.text == expected
    assert result.removed == removed


@pytest.mark.parametrize(
    "text",
    [
        "01019010047",  # second check digit wrong
        "01019010146",  # first check digit wrong
        "32019010046",  # no such day
        "E45 til Aalborg og G20-topmødet",
        "vitamin B12 og A4-ark",
        "LAB § 4, § 17 stk. 2 og kapitel 11",
        "Sagsbehandleren skrev i journalen kl. 10.30",
        "sag 2026-1234",
        "Version 3.12 af F-guiden",
    ],
)
def test_lookalikes_of_the_new_kinds_are_left_alone(text):
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("removed", "language", "sentence"),
    [
        (
            {"sagsnummer": 1, "diagnosekode": 2},
            "da",
            "Jeg har fjernet et sagsnummer og 2 diagnosekoder fra dit svar, før det blev gemt.",
        ),
        (
            {"diagnosekode": 1},
            "en",
            "I removed a diagnosis code from your answer before it was saved.",
        ),
        (
            {"sagsnummer": 2},
            "nb",
            "Jeg har fjernet 2 saksnumre fra svaret ditt før det ble lagret.",
        ),
    ],
)
def test_the_broker_is_told_about_case_numbers_and_codes(removed, language, sentence):
    assert redaction_notice(removed, language) == sentence
