"""The offence of sharing intimate images without consent in the larger EU member states, each with its source.

A DSA Art. 16 notice must explain why the content is illegal (Art. 16(2)(a)). Until Directive (EU) 2024/1385 is
transposed (its Art. 5 makes non-consensual sharing of intimate or manipulated material an offence; member
states have until 14 June 2027, Art. 49), the offence is each member state's own, so a notice cites the
member state's provision where this registry has it, and otherwise says that the content is illegal under the
law of the member state concerned and gives the facts. Content of a person under 18 is child sexual abuse
material (Directive 2011/93/EU, Art. 2(c), Art. 5). Provisions are cited by name; an operator who adds a state
adds its source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Offence:
    country: str
    provision: str
    # Where the provision can be read (the official consolidated text).
    source: str


OFFENCES: dict[str, Offence] = {
    offence.country: offence
    for offence in (
        Offence(
            "DE",
            "§ 201a Strafgesetzbuch (violation of intimate privacy by taking or sharing images) and § 33 "
            "Kunsturhebergesetz (distributing a person's image without consent)",
            "https://www.gesetze-im-internet.de/stgb/__201a.html",
        ),
        Offence(
            "FR",
            "Article 226-2-1 of the Code pénal (sharing sexual images without consent) and Article 226-8-1 "
            "(sexual deepfakes, added by Law No. 2024-449)",
            "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000033207317",
        ),
        Offence(
            "IT",
            "Article 612-ter of the Codice penale (unlawful dissemination of sexually explicit images or videos)",
            "https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:regio.decreto:1930-10-19;1398~art612ter",
        ),
        Offence(
            "ES",
            "Article 197.7 of the Código Penal (disclosing intimate images obtained with consent, without it)",
            "https://www.boe.es/buscar/act.php?id=BOE-A-1995-25444",
        ),
        Offence(
            "PL",
            "Article 191a of the Kodeks karny (disseminating an image of a naked person or of sexual activity "
            "without consent)",
            "https://isap.sejm.gov.pl/isap.nsf/DocDetails.xsp?id=WDU19970880553",
        ),
        Offence(
            "NL",
            "Article 139h of the Wetboek van Strafrecht (making or sharing sexual images without consent)",
            "https://wetten.overheid.nl/BWBR0001854/",
        ),
        Offence(
            "IE",
            "sections 2 and 3 of the Harassment, Harmful Communications and Related Offences Act 2020",
            "https://www.irishstatutebook.ie/eli/2020/act/32/enacted/en/html",
        ),
    )
}


def illegality_sentence(member_state: str, *, minor: bool, age_uncertain: bool = False) -> str:
    """Art. 16(2)(a): why the content is illegal, citing the member state's offence where known."""
    if minor:
        who = "who may have been under 18" if age_uncertain else "under 18"
        return (
            f"The content is sexual material of a person {who}: child sexual abuse material, which every member "
            "state criminalises under Directive 2011/93/EU (Articles 2(c) and 5). It is illegal content within the "
            "meaning of Article 3(h) DSA."
        )
    offence = OFFENCES.get((member_state or "").upper())
    law = (
        f"an offence in {offence.country} under {offence.provision}"
        if offence
        else "a criminal offence under the law of the member state concerned"
    )
    return (
        "The content is an intimate image shared without the consent of the person shown. That is "
        f"{law}. Directive (EU) 2024/1385, Article 5, harmonises this offence; member states must transpose it by "
        "14 June 2027. It is illegal content within the meaning of Article 3(h) DSA."
    )
