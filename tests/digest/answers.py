"""Small fixed answer sets written by hand for the digest tests, in Danish and Norwegian bokmål.

Each set has two stances a facilitator would name: working with employers, and following the
citizen's own plan. The citizen is named in the answers (Kasper, Ingrid), capitalised or not.
"""

from __future__ import annotations

from bot.digest.model import Answer

DANISH_EMPLOYERS = [
    "Virksomhederne vil have én fast kontaktperson i jobcentret, ellers giver de op.",
    "Når en virksomhed ringer, skal den have svar samme dag. Det er ofte dér, vi mister "
    "praktikpladsen.",
    "Vi har gode erfaringer med at lade virksomhedskonsulenten følge borgeren ud i praktikken "
    "hos virksomheden.",
    "en praktik i en virksomhed er det bedste sted at starte, men kontakten til virksomheden "
    "skal passes",
]
DANISH_PLAN = [
    "Jeg ville holde fast i Kaspers plan. Han har lige fået tillid til os, og den tillid må vi "
    "ikke miste.",
    "Tilliden er det hele. Hvis vi presser Kasper nu, mister vi ham.",
    "kasper skal selv bestemme tempoet i planen, ellers bliver det vores plan og ikke hans",
    "Planen er borgerens egen. Vi skal bygge tillid, før vi taler om job.",
]
NORWEGIAN_EMPLOYERS = [
    "Arbeidsgiverne vil ha én fast kontaktperson i Nav, ellers gir de opp.",
    "Når en arbeidsgiver ringer, må de få svar samme dag. Ellers mister vi praksisplassen.",
    "Vi har gode erfaringer med å la jobbspesialisten følge kandidaten ut i praksis hos "
    "arbeidsgiveren.",
    "praksis hos en arbeidsgiver er det beste stedet å starte, men kontakten med arbeidsgiveren "
    "må pleies",
]
NORWEGIAN_PLAN = [
    "Jeg ville holdt fast ved planen til Ingrid. Hun har akkurat fått tillit til oss, og den "
    "tilliten må vi ikke miste.",
    "Tilliten er alt. Presser vi Ingrid nå, mister vi henne.",
    "ingrid må selv bestemme tempoet i planen, ellers blir det vår plan og ikke hennes",
    "Planen er brukerens egen. Vi må bygge tillit før vi snakker om jobb.",
]
PLACES = ["silkeborg", "herning", "holstebro", "viborg"]


def answers_of(*groups: list[str]) -> list[Answer]:
    """One answer per text, ids a1, a2, … in order, the municipalities taken in turn."""
    texts = [text for group in groups for text in group]
    return [
        Answer(id=f"a{i + 1}", municipality=PLACES[i % 4], texts={"q1": text}, member=f"U{i}")
        for i, text in enumerate(texts)
    ]
