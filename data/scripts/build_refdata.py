#!/usr/bin/env python3
"""Regenerate Dignity's shipped reference data from the public source files.

Usage (from the repository root):

    python3 data/scripts/build_refdata.py [--source ../shared/data] [--check]

Reads the public source files (see data/SOURCES.md) and writes:

    data/countries.csv
    data/treaties/status-2022-08.csv
    data/sdg/goals.csv, data/sdg/targets.csv, data/sdg/LICENSE-open-sdg
    data/huridocs/micro-thesauri.csv
    data/manifest.toml   (per-file version and SHA-256; versions are bumped
                          automatically when a file's content changes)

`data/instruments.toml` is curated by hand; the script only checks that the
instrument codes used in the treaty status table exist in it and records its
hash in the manifest.

With --check nothing is written; the script exits 1 if any output would
change (useful in CI to prove the committed files are reproducible).

Python standard library only (3.11+, for tomllib).
"""

import argparse
import csv
import hashlib
import io
import os
import re
import sys
import tomllib
import unicodedata

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(REPO, "data")

# ---------------------------------------------------------------- countries --

# UN regional groups (the five groups of the General Assembly). Derived from the
# M49 region with explicit exceptions; checked against the UPR Info `To-Rgrp`
# column when the UPR files are available.
EEG = {  # Eastern European Group, 23 members
    "ALB", "ARM", "AZE", "BLR", "BIH", "BGR", "HRV", "CZE", "EST", "GEO", "HUN",
    "LVA", "LTU", "MNE", "MKD", "POL", "MDA", "ROU", "RUS", "SRB", "SVK", "SVN",
    "UKR",
}
# Outside Europe but in WEOG. USA: observer in WEOG, counted as a member for
# electoral purposes. TUR: WEOG for electoral purposes (also attends the
# Asia-Pacific Group). ISR: WEOG member (New York).
WEOG_EXTRA = {"AUS", "CAN", "NZL", "ISR", "TUR", "USA"}


def regional_group(iso3, region_code):
    if iso3 in EEG:
        return "EEG"
    if iso3 in WEOG_EXTRA:
        return "WEOG"
    if region_code == "002":  # Africa
        return "AFRICAN"
    if region_code == "150":  # Europe (remaining members)
        return "WEOG"
    if region_code == "019":  # Americas: USA and CAN handled above
        return "GRULAC"
    if region_code in ("142", "009"):  # Asia, Oceania (incl. Cyprus, Kiribati)
        return "ASIA_PACIFIC"
    raise ValueError(f"no regional group rule for {iso3} (region {region_code})")


def pad3(code):
    return f"{int(code):03d}" if code.strip() else ""


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


COUNTRY_COLUMNS = [
    "iso2", "iso3", "numeric",
    "name_en", "name_fr", "name_es", "name_ar", "name_ru", "name_zh",
    "region_code", "region_name", "subregion_code", "subregion_name",
    "intermediate_region_code", "intermediate_region_name",
    "un_member", "un_regional_group",
]

LANGS = [  # (our suffix, UNTERM column word, official_name_* suffix)
    ("en", "English", "en"), ("fr", "French", "fr"), ("es", "Spanish", "es"),
    ("ar", "Arabic", "ar"), ("ru", "Russian", "ru"), ("zh", "Chinese", "cn"),
]


# Names. The six-language UNTERM short names of country-codes.csv are the names shipped,
# as UNTERM writes them (with its bracketed article, e.g. "Philippines (the)",
# "Sénégal (le)"), less the footnote marks that UNTERM puts after the observer States
# ("Holy See (the) *", "State of Palestine (the) *") and the non-member States
# ("Cook Islands (the) **", "Niue **"). Each English name of the 197 UNTERM States is
# checked against the later UNTERM export of unterm_country_names.csv (2026-10-05); every
# disagreement must be listed below with its resolution (docs/reference-data.md, "Names").
FOOTNOTE_MARK = re.compile(r"\s*\*+$")

# The 2026 export writes the short name without UNTERM's bracketed article: same name.
NAME_ARTICLE = "the 2026 copy leaves out UNTERM's bracketed article; kept as the six-language table writes it"
# iso3 -> (resolution, the English name shipped, or None to keep the six-language table's).
NAME_RESOLUTIONS = {
    "BHS": ("the 2026 copy capitalises 'The' ('Bahamas (The)', 'the Commonwealth of The "
            "Bahamas'); no other stored UN source confirms the change (the capital form is "
            "ISO 4217's), so the six-language table's 'Bahamas (the)' is kept", None),
    "NLD": ("name changed in UNTERM after the six-language table: the 2026 export's "
            "short name is shipped in English; the French, Spanish, Arabic and Russian forms of "
            "the new name are in no stored source, so those languages keep the older UNTERM form",
            "Netherlands (Kingdom of the)"),
    "NRU": ("renamed by Nauru in 2026 (note verbale of 6 July 2026, as the UNTERM export "
            "records); the 2026 export's short name is shipped in English; the new forms in "
            "French, Spanish, Arabic and Russian are in no stored source, so those languages keep "
            "the older UNTERM form", "Naoero"),
    "CIV": ("the six-language table has no UNTERM names for this State (its English fallback "
            "is the non-UN 'Ivory Coast'): the 2026 export's short name is shipped in English, "
            "the UN M49 names in the other languages", "Côte d'Ivoire"),
    "TUR": ("the six-language table has no UNTERM names for this State: the UN M49 names "
            "are shipped; they agree with the 2026 export's English short name", None),
    "ISL": ("formal names differ ('the Republic of Iceland' / 'Iceland'); the short name "
            "agrees and only short names are shipped", None),
    "URY": ("formal names differ ('the Eastern Republic of Uruguay' / 'the Oriental Republic "
            "of Uruguay'); the short name agrees and only short names are shipped", None),
}


def unterm_2026(src):
    """iso3 -> row of the UNTERM export of 2026-10-05 (197 States, English only)."""
    rows = read_csv(os.path.join(src, "treaties-untc-2015", "unterm_country_names.csv"))
    if len(rows) != 197:
        raise ValueError(f"unterm_country_names.csv: expected 197 States, got {len(rows)}")
    return {r["iso3"]: r for r in rows}


def country_name_disagreements(raw_by_iso3, later):
    """The English names of the six-language table against the 2026 export: one row per
    disagreement (short or formal name), with its resolution; fails on one not listed."""
    out = []
    used = set()
    for iso3, u in sorted(later.items()):
        r = raw_by_iso3.get(iso3)
        if r is None:
            raise ValueError(f"UNTERM State {iso3} missing from country-codes.csv")
        short = r["UNTERM English Short"].strip()
        formal = r["UNTERM English Formal"].strip()
        s26, f26 = u["unterm_short_name_en"].strip(), u["unterm_formal_name_en"].strip()
        if (short, formal) == (s26, f26):
            continue
        if iso3 in NAME_RESOLUTIONS:
            used.add(iso3)
            resolution = NAME_RESOLUTIONS[iso3][0]
        elif FOOTNOTE_MARK.sub("", short) in (s26, s26 + " (the)") and FOOTNOTE_MARK.sub("", formal) == f26:
            marks = "footnote mark dropped" if "*" in short + formal else ""
            article = NAME_ARTICLE if short.endswith("(the)") or "(the) *" in short else ""
            resolution = "; ".join(x for x in (marks, article) if x)
        else:
            raise ValueError(f"{iso3}: UNTERM names disagree ({short!r}/{formal!r} vs "
                             f"{s26!r}/{f26!r}); add a resolution to NAME_RESOLUTIONS")
        out.append({"iso3": iso3, "six_language_table": f"{short} | {formal}",
                    "unterm_2026": f"{s26} | {f26}", "resolution": resolution})
    if used != set(NAME_RESOLUTIONS):
        raise ValueError(f"name resolutions no longer needed: {sorted(set(NAME_RESOLUTIONS) - used)}")
    return out


def build_countries(src, member_iso2):
    rows = read_csv(os.path.join(src, "countries", "country-codes.csv"))
    assert len(rows) == 249, len(rows)
    later = unterm_2026(src)
    name_disagreements = country_name_disagreements(
        {r["ISO3166-1-Alpha-3"].strip(): r for r in rows}, later)
    out = []
    for r in rows:
        iso2 = r["ISO3166-1-Alpha-2"].strip()
        iso3 = r["ISO3166-1-Alpha-3"].strip()
        rec = {
            "iso2": iso2,
            "iso3": iso3,
            "numeric": pad3(r["ISO3166-1-numeric"]),
            "region_code": pad3(r["Region Code"]),
            "region_name": r["Region Name"].strip(),
            "subregion_code": pad3(r["Sub-region Code"]),
            "subregion_name": r["Sub-region Name"].strip(),
            "intermediate_region_code": pad3(r["Intermediate Region Code"]),
            "intermediate_region_name": r["Intermediate Region Name"].strip(),
        }
        for ours, unterm, official in LANGS:
            name = r[f"UNTERM {unterm} Short"].strip() or r[f"official_name_{official}"].strip()
            if ours == "en" and iso3 in NAME_RESOLUTIONS and NAME_RESOLUTIONS[iso3][1]:
                name = NAME_RESOLUTIONS[iso3][1]
            name = FOOTNOTE_MARK.sub("", name)
            if not name:
                raise ValueError(f"{iso3}: no {ours} name")
            if "*" in name:
                raise ValueError(f"{iso3}: footnote mark left in {name!r}")
            rec[f"name_{ours}"] = name
        member = iso2 in member_iso2
        rec["un_member"] = "1" if member else "0"
        rec["un_regional_group"] = regional_group(iso3, rec["region_code"]) if member else ""
        out.append(rec)
    out.sort(key=lambda x: x["iso3"])
    missing = member_iso2 - {r["iso2"] for r in out}
    if missing:
        raise ValueError(f"UN members not in country-codes.csv: {sorted(missing)}")
    n = sum(r["un_member"] == "1" for r in out)
    if n != 193:
        raise ValueError(f"expected 193 UN members, found {n}")
    return out, name_disagreements


# ----------------------------------------------------------------- treaties --

# source file stem -> instrument code (as in data/instruments.toml)
TREATY_FILES = {
    "icerd": "ICERD", "iccpr": "ICCPR", "iccpr_op1": "ICCPR-OP1",
    "iccpr_op2": "ICCPR-OP2", "icescr": "ICESCR", "icescr_op": "OP-ICESCR",
    "cedaw": "CEDAW", "op_cedaw": "OP-CEDAW", "cat": "CAT", "opcat": "OP-CAT",
    "crc": "CRC", "op_crc_ac": "OP-CRC-AC", "op_crc_sc": "OP-CRC-SC",
    "op_crc_ic": "OP-CRC-IC", "icmw": "ICMW", "crpd": "CRPD",
    "op_crpd": "OP-CRPD", "cped": "CPED",
}

# Source codes that are not (current) ISO 3166-1 alpha-2 codes.
ISO2_FIXES = {"TP": "TL"}  # East Timor: withdrawn code TP -> Timor-Leste TL
# Per-file code fixes: (file stem, source iso2, member name) -> iso2
ROW_CODE_FIXES = {("op_crc_ic", "S", "South Sudan"): "SS"}
# Rows to drop: (file stem, source iso2) -> reason
ROW_DROPS = {
    ("op_crc_ic", "MS"): "Montserrat is not a UN member state; the row stands where Gabon should be",
}
# Rows missing from a source file: (file stem, iso2) -> (status, year, note)
ROW_ADDS = {
    ("op_crc_ic", "GA"): (
        "party", "2012",
        "Row missing from the source file; added from UNTC MTDSG IV-11-d (accession 25 Sep 2012)",
    ),
}
# Status corrections: (file stem, iso2) -> (status, reason). Each one fixes a
# source row that contradicts the UN Treaty Collection (checked against the
# UNTC party counts for August 2022: ICERD 182 incl. Holy See and State of
# Palestine, ICCPR 173 and ICESCR 171 incl. State of Palestine).
STATUS_FIXES = {
    ("icerd", "BN"): ("none", "Not a party: the source counted the UK's 1969 ratification, which extended to Brunei before independence"),
    ("iccpr", "SB"): ("none", "Not a party: the source counted the UK's 1976 ratification, which extended to the territory before independence"),
    ("iccpr", "TV"): ("none", "Not a party: the source counted the UK's 1976 ratification, which extended to the territory before independence"),
    ("icescr", "TV"): ("none", "Not a party: the source counted the UK's 1976 ratification, which extended to the territory before independence"),
    ("iccpr_op1", "JM"): ("denounced", "Denounced by Jamaica (notified 1997, effective 1998); no longer a party"),
    ("iccpr_op1", "TT"): ("denounced", "Denounced by Trinidad and Tobago in 2000; no longer a party"),
    ("op_cedaw", "ZW"): ("none", "the source row is inconsistent (no year, all flags 0); treated as no action, as UNTC does not list Zimbabwe as a party"),
}

STATUS_MAP = {"state party": "party", "signatory state": "signatory", "no action": "none"}

STATUS_COLUMNS = ["iso3", "instrument", "status", "year", "note"]


def build_status(src, countries_by_iso2, instrument_codes):
    tdir = os.path.join(src, "treaties")
    out = []
    members_per_file = {}
    used_fixes = set()
    for stem, code in TREATY_FILES.items():
        if code not in instrument_codes:
            raise ValueError(f"{code} missing from data/instruments.toml")
        rows = read_csv(os.path.join(tdir, f"hr_status_{stem}.csv"))
        seen = set()
        for i, r in enumerate(rows, start=2):
            iso2 = r["iso2"].strip()
            iso2 = ISO2_FIXES.get(iso2, iso2)
            key = (stem, iso2, r["member"].strip())
            if key in ROW_CODE_FIXES:
                used_fixes.add(("code",) + key)
                iso2 = ROW_CODE_FIXES[key]
            if (stem, iso2) in ROW_DROPS:
                used_fixes.add(("drop", stem, iso2))
                continue
            if iso2 not in countries_by_iso2:
                raise ValueError(f"hr_status_{stem}.csv line {i}: unknown iso2 {iso2!r}")
            if iso2 in seen:
                raise ValueError(f"hr_status_{stem}.csv line {i}: duplicate {iso2}")
            seen.add(iso2)
            raw = r["status"].strip()
            if raw not in STATUS_MAP:
                raise ValueError(f"hr_status_{stem}.csv line {i}: status {raw!r}")
            status = STATUS_MAP[raw]
            year = r["year ratification or accession"].strip()
            notes = []
            src_note = (r.get("note") or "").strip()
            if src_note:
                notes.append(f"Source note: {src_note}")
            if (stem, iso2) in STATUS_FIXES:
                used_fixes.add(("status", stem, iso2))
                status, reason = STATUS_FIXES[(stem, iso2)]
                notes.insert(0, f"Corrected from source status '{raw}': {reason}")
            if status == "party" and not year:
                raise ValueError(f"hr_status_{stem}.csv line {i}: party without year")
            if status in ("signatory", "none"):
                year = ""
            out.append({
                "iso3": countries_by_iso2[iso2]["iso3"], "instrument": code,
                "status": status, "year": year, "note": " | ".join(notes),
            })
        for (fstem, iso2), (status, year, note) in ROW_ADDS.items():
            if fstem == stem:
                if iso2 in seen:
                    raise ValueError(f"{stem}: {iso2} is no longer missing; drop the ROW_ADDS entry")
                used_fixes.add(("add", stem, iso2))
                seen.add(iso2)
                out.append({"iso3": countries_by_iso2[iso2]["iso3"], "instrument": code,
                            "status": status, "year": year, "note": note})
        members_per_file[stem] = seen
    expected = (len(ROW_CODE_FIXES) + len(ROW_DROPS) + len(ROW_ADDS) + len(STATUS_FIXES))
    if len(used_fixes) != expected:
        raise ValueError(f"some corrections no longer apply: used {sorted(used_fixes)}")
    first = members_per_file["cat"]
    for stem, s in members_per_file.items():
        if s != first:
            raise ValueError(f"{stem}: member set differs: {sorted(s ^ first)}")
    if len(first) != 193:
        raise ValueError(f"expected 193 states, got {len(first)}")
    order = list(TREATY_FILES.values())
    out.sort(key=lambda x: (x["iso3"], order.index(x["instrument"])))
    return out, first


def member_iso2s(src):
    """The 193 UN member states, as the iso2 codes of the treaty status files."""
    rows = read_csv(os.path.join(src, "treaties", "hr_status_cat.csv"))
    return {ISO2_FIXES.get(r["iso2"].strip(), r["iso2"].strip()) for r in rows}


# ------------------------------------------------------ ratifications (days) --

# Day-precision ratification facts: UNTC chapter IV as scraped by zmjones/untreaties
# (2014-01 to 2015-03, in ../shared/data/treaties-untc-2015/), later changes from the
# 2022 years-only extract (the status table above) where they do not contradict it, and
# the verified later facts of known_updates_after_source.csv. Every disagreement found is
# written to data/treaties/ratifications-disagreements.csv (and explained in
# docs/reference-data.md).
WPD_AS_OF = "2022-08-25"  # world-politics-datalab commit fdb779e
KNOWN_UPDATES_AS_OF = "2026-12-05"  # the day the research helper recorded them
UNTC_KIND = {"ratification": "ratification", "accession": "accession",
             "succession": "succession", "acceptance": "acceptance",
             "approval": "approval", "formal confirmation": "formal_confirmation"}
ENTITY_KINDS = {"member-state", "observer-state", "specialized-agency-member"}
# Denunciations that the UNTC participant table still lists as parties (the scrape keeps
# no footnotes). Dates: UNTC MTDSG IV-5, footnotes to Jamaica and Trinidad and Tobago.
DENUNCIATIONS = {
    ("JAM", "ICCPR-OP1"): "Denounced: notified 23 Oct 1997, effective 23 Jan 1998 (UNTC MTDSG IV-5, footnote)",
    ("TTO", "ICCPR-OP1"): "Denounced: notified 27 Mar 2000, effective 27 Jun 2000 (UNTC MTDSG IV-5, footnote)",
}

RATIFICATION_COLUMNS = [
    "iso3", "instrument", "status", "signature", "consent", "consent_kind", "reservations",
    "source", "as_of", "note",
]
DISAGREEMENT_COLUMNS = ["iso3", "instrument", "untc_2015", "wpd_2022", "finding", "resolution"]


def untc_fact(r):
    return (f"{r['status_as_of_source']} sig={r['signature_date'] or '-'} "
            f"consent={r['consent_date'] or '-'} {r['consent_type']}").strip()


def build_ratifications(src, wpd_status, instrument_codes):
    udir = os.path.join(src, "treaties-untc-2015")
    untc = read_csv(os.path.join(udir, "un_core_treaties_status.csv"))
    if len(untc) != 197 * 18:
        raise ValueError(f"untc: expected 197 x 18 rows, got {len(untc)}")
    decl = {}
    for r in read_csv(os.path.join(REPO, "data", "scripts", "untc_2015_declarations_index.csv")):
        decl[(r["mtdsg_no"], r["participant_name_in_untc"])] = r
    decl_as_of = {}
    for r in decl.values():
        decl_as_of[r["mtdsg_no"]] = r["as_of"]
    wpd = {(s["iso3"], s["instrument"]): s for s in wpd_status}
    updates = {}
    for r in read_csv(os.path.join(udir, "known_updates_after_source.csv")):
        updates.setdefault((r["iso3"], r["instrument"]), {})[r["field"]] = r["value"]
    out, disagreements, used_denunciations = [], [], set()
    for r in untc:
        iso3, code = r["iso3"], r["instrument"]
        if code not in instrument_codes:
            raise ValueError(f"untc: unknown instrument {code}")
        if r["unterm_kind"] not in ENTITY_KINDS:
            raise ValueError(f"untc: {iso3}: kind {r['unterm_kind']!r}")
        status = {"party": "party", "signatory": "signatory", "no_action": "none"}[r["status_as_of_source"]]
        kind = r["consent_type"]
        if kind and kind not in UNTC_KIND:
            raise ValueError(f"untc {iso3} {code}: consent type {kind!r}")
        rec = {
            "iso3": iso3, "instrument": code, "status": status,
            "signature": r["signature_date"], "consent": r["consent_date"],
            "consent_kind": UNTC_KIND.get(kind, ""), "reservations": "",
            "source": "untc2015", "as_of": r["as_of"], "note": "",
        }
        notes = []
        if r["signature_note"]:
            notes.append(f"Signature: {r['signature_note']} (UNTC)")
        # Reservations/declarations: listed in the UNTC section at the declarations file's date.
        mt = r["mtdsg_no"]
        if status != "none":
            acted = max(rec["signature"], rec["consent"])
            if mt not in decl_as_of or acted > decl_as_of[mt]:
                rec["reservations"] = ""  # acted after the declarations scrape: unknown
            else:
                rec["reservations"] = "yes" if (mt, r["participant_name_in_untc"]) in decl else "no"
        w = wpd.get((iso3, code))
        untc_text = untc_fact(r)
        if w is not None:
            wtext = f"{w['status']} {w['year']}".strip()
            wy = w["year"]
            untc_year = r["as_of"][:4]

            def disagree(finding, resolution):
                disagreements.append({"iso3": iso3, "instrument": code, "untc_2015": untc_text,
                                      "wpd_2022": wtext, "finding": finding, "resolution": resolution})

            if status == "party" and w["status"] == "party":
                rec["as_of"] = WPD_AS_OF
                if wy != rec["consent"][:4]:
                    if wy == rec["signature"][:4]:
                        disagree("wpd_gives_signature_year", "kept the UNTC consent date; the 2022 year is the signature year")
                    else:
                        disagree("year_mismatch", "kept the UNTC consent date (primary depositary record, to the day)")
            elif status == "party" and w["status"] == "denounced":
                if (iso3, code) not in DENUNCIATIONS:
                    raise ValueError(f"{iso3} {code}: denounced in 2022 but no DENUNCIATIONS entry")
                used_denunciations.add((iso3, code))
                rec["status"] = "denounced"
                rec["as_of"] = WPD_AS_OF
                notes.append(DENUNCIATIONS[(iso3, code)])
            elif status == "party":
                disagree("wpd_missing_consent", "kept the UNTC consent (a party stays a party unless it denounces, which neither source records)")
            elif w["status"] == "party":
                if wy >= untc_year:
                    rec["status"] = "party"
                    rec["consent"] = wy
                    rec["consent_kind"] = ""
                    rec["reservations"] = ""
                    rec["source"] = "wpd2022"
                    rec["as_of"] = WPD_AS_OF
                    notes.append(f"Consent after the UNTC scrape of {r['as_of']}: year only, kind unknown (2022 extract)")
                elif wy == rec["signature"][:4]:
                    disagree("wpd_party_with_signature_year", f"kept the UNTC status: {wy} is the signature year, before the UNTC table of {r['as_of']}; a later consent is possible but unverified")
                else:
                    disagree("wpd_party_before_untc_date", f"kept the UNTC status: {wy} is before the UNTC table of {r['as_of']}, which does not list the consent")
            elif status == "none" and w["status"] == "signatory":
                rec["status"] = "signatory"
                rec["source"] = "wpd2022"
                rec["as_of"] = WPD_AS_OF
                notes.append(f"Signed after the UNTC scrape of {r['as_of']}; the date is not in the 2022 extract")
            elif status == "signatory" and w["status"] == "none":
                disagree("wpd_drops_signature", "kept the UNTC signature (a signature is not withdrawn by silence)")
            else:
                rec["as_of"] = WPD_AS_OF  # both agree (signatory/signatory or none/none)
        upd = updates.pop((iso3, code), None)
        if upd is not None:
            if rec["status"] == "party":
                raise ValueError(f"{iso3} {code}: known update for a State already party")
            rec["status"] = "party"
            rec["consent"] = upd["consent_date"]
            rec["consent_kind"] = upd["consent_type"]
            rec["reservations"] = ""
            rec["source"] = "update2026"
            rec["as_of"] = KNOWN_UPDATES_AS_OF
            notes.append("Consent after both sources: known_updates_after_source.csv")
        rec["note"] = " | ".join(notes)
        out.append(rec)
    if updates:
        raise ValueError(f"known updates not applied: {sorted(updates)}")
    if used_denunciations != set(DENUNCIATIONS):
        raise ValueError(f"denunciations no longer apply: {sorted(set(DENUNCIATIONS) - used_denunciations)}")
    # Every disagreement of the research helper's QA file must be among ours.
    ours = {(x["iso3"], x["instrument"]) for x in disagreements}
    qa = read_csv(os.path.join(udir, "qa_wpd2022_vs_untc2015.csv"))
    missed = [(q["iso3"], q["instrument"]) for q in qa if (q["iso3"], q["instrument"]) not in ours]
    if missed:
        raise ValueError(f"QA disagreements not found: {missed}")
    order = list(TREATY_FILES.values())
    out.sort(key=lambda x: (x["iso3"], order.index(x["instrument"])))
    disagreements.sort(key=lambda x: (x["finding"], x["iso3"], order.index(x["instrument"])))
    return out, disagreements


# ---------------------------------------------------------------------- SDG --

SDG_LANGS = ["en", "fr", "es", "ar", "ru", "zh-Hans"]
KEY_RE = re.compile(r"^([0-9A-Za-z-]+):(?: (.*))?$")


def parse_flat_yaml(text, path):
    """Parse the flat `key: scalar` YAML of sdg-translations.

    Supports exactly what those files use: one mapping level, plain or
    single-quoted scalars, continuation lines indented. Line breaks are folded
    and whitespace runs collapsed to one space (the titles are running text).
    """
    result = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        m = KEY_RE.match(line)
        if not m:
            raise ValueError(f"{path}:{i + 1}: unexpected line {line!r}")
        key, first = m.group(1), (m.group(2) or "")
        parts = [first]
        i += 1
        if first.startswith("'"):
            body = first[1:]
            parts = [body]
            while not _closes_single_quote(" ".join(parts)):
                if i >= len(lines):
                    raise ValueError(f"{path}: unterminated quote in {key}")
                parts.append(lines[i].strip())
                i += 1
            value = " ".join(parts)
            value = value[: value.rstrip().rfind("'")]
            value = value.replace("''", "'")
        else:
            if first.startswith(('"', "|", ">")):
                raise ValueError(f"{path}:{i}: unsupported scalar style in {key}")
            while i < len(lines) and (lines[i].startswith((" ", "\t")) or not lines[i].strip()):
                parts.append(lines[i].strip())
                i += 1
            value = " ".join(parts)
        value = " ".join(value.split())
        if key in result:
            raise ValueError(f"{path}: duplicate key {key}")
        result[key] = value
    return result


def _closes_single_quote(s):
    s = s.rstrip()
    if not s.endswith("'"):
        return False
    # count trailing quotes: an odd number closes ('' is an escaped quote)
    n = len(s) - len(s.rstrip("'"))
    return n % 2 == 1


def load_sdg(src, kind):
    data = {}
    for lang in SDG_LANGS:
        path = os.path.join(src, "sdg", f"global_{kind}.{lang}.yml")
        with open(path, encoding="utf-8") as f:
            data[lang] = parse_flat_yaml(f.read(), path)
    return data


def suffix(lang):
    return "zh" if lang == "zh-Hans" else lang


def build_goals(src):
    data = load_sdg(src, "goals")
    goals = sorted({int(k.split("-")[0]) for k in data["en"]})
    if goals != list(range(1, 18)):
        raise ValueError(f"goals: {goals}")
    out = []
    for g in goals:
        rec = {"goal": str(g)}
        for field in ("short", "title"):
            for lang in SDG_LANGS:
                v = data[lang].get(f"{g}-{field}", "")
                if not v:
                    raise ValueError(f"goal {g}: {field} missing in {lang}")
                rec[f"{field}_{suffix(lang)}"] = v
        out.append(rec)
    return out


def target_sort_key(code):
    g, t = code.split(".")
    return (int(g), 0 if t.isdigit() else 1, int(t) if t.isdigit() else t)


def build_targets(src):
    data = load_sdg(src, "targets")
    codes = set()
    for lang in SDG_LANGS:
        keys = set()
        for k in data[lang]:
            m = re.fullmatch(r"(\d+)-([0-9a-z]+)-title", k)
            if not m:
                raise ValueError(f"targets {lang}: unexpected key {k}")
            keys.add(f"{m.group(1)}.{m.group(2)}")
        if codes and keys != codes:
            raise ValueError(f"targets {lang}: key set differs: {sorted(keys ^ codes)}")
        codes = keys
    if len(codes) != 169:
        raise ValueError(f"expected 169 targets, found {len(codes)}")
    out = []
    for code in sorted(codes, key=target_sort_key):
        g, t = code.split(".")
        rec = {"code": code, "goal": g}
        for lang in SDG_LANGS:
            rec[f"title_{suffix(lang)}"] = data[lang][f"{g}-{t}-title"]
        out.append(rec)
    return out


# ----------------------------------------------------------------- UPR check --

ALIASES = {  # UPR Info spellings not found among the country-codes names
    "bolivia": "BOL", "cape verde": "CPV", "cote divoire": "CIV",
    "democratic republic of congo": "COD", "republic of congo": "COG",
    "congo": "COG", "iran": "IRN", "laos": "LAO", "moldova": "MDA",
    "russia": "RUS", "south korea": "KOR", "north korea": "PRK",
    "syria": "SYR", "tanzania": "TZA", "venezuela": "VEN", "vietnam": "VNM",
    "viet nam": "VNM", "macedonia": "MKD", "swaziland": "SWZ",
    "micronesia": "FSM", "brunei": "BRN", "east timor": "TLS",
    "timor leste": "TLS", "the former yugoslav republic of macedonia": "MKD",
    "saint kitts and nevis": "KNA", "saint lucia": "LCA",
    "saint vincent and the grenadines": "VCT", "sao tome and principe": "STP",
    "kyrgyzstan": "KGZ", "czech republic": "CZE", "ivory coast": "CIV",
    "palestine": "PSE", "united states": "USA", "united kingdom": "GBR",
    "turkey": "TUR", "gambia": "GMB", "bahamas": "BHS", "netherlands": "NLD",
    "dpr korea": "PRK", "macedonia fyr": "MKD",
}
UPR_GROUPS = {"Africa": "AFRICAN", "Asia": "ASIA_PACIFIC", "EEG": "EEG",
              "GRULAC": "GRULAC", "WEOG": "WEOG"}


def norm_name(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("&", " and ")
    s = re.sub(r"[^a-z ]+", " ", s.replace("'", ""))
    s = re.sub(r"\bthe\b", " ", s) if not s.startswith("the former") else s
    return " ".join(s.split())


def check_upr_groups(src, countries):
    udir = os.path.join(src, "upr")
    if not os.path.isdir(udir):
        print("note: no UPR files; regional groups not cross-checked", file=sys.stderr)
        return
    raw = read_csv(os.path.join(src, "countries", "country-codes.csv"))
    lookup = {}
    for r in raw:
        for col in ("UNTERM English Short", "official_name_en", "CLDR display name",
                    "ISO4217-currency_country_name", "UNTERM English Formal"):
            if r[col].strip():
                lookup.setdefault(norm_name(r[col]), r["ISO3166-1-Alpha-3"])
    for k, v in ALIASES.items():
        lookup[norm_name(k)] = v
    ours = {c["iso3"]: c["un_regional_group"] for c in countries if c["un_member"] == "1"}
    seen = {}
    for name in sorted(os.listdir(udir)):
        if not name.endswith(".csv"):
            continue
        for r in read_csv(os.path.join(udir, name)):
            seen.setdefault(r["To"].strip(), set()).add(r["To-Rgrp"].strip())
    problems = []
    matched = set()
    for state, groups in sorted(seen.items()):
        iso3 = lookup.get(norm_name(state))
        if iso3 is None:
            problems.append(f"UPR state {state!r} not matched to a country")
            continue
        matched.add(iso3)
        want = {UPR_GROUPS.get(g, g) for g in groups}
        if want != {ours.get(iso3)}:
            problems.append(f"{state} ({iso3}): UPR Info {sorted(groups)}, ours {ours.get(iso3)!r}")
    if len(matched) != 193 or set(ours) != matched:
        problems.append(f"UPR states matched {len(matched)}; not matched members: {sorted(set(ours) - matched)}")
    if problems:
        raise ValueError("regional groups disagree with UPR Info:\n  " + "\n  ".join(problems))
    print(f"regional groups: all 193 agree with UPR Info To-Rgrp", file=sys.stderr)


# ----------------------------------------------------------------- HURIDOCS --

# Lists of the OpenEvSys copy that are not HURIDOCS content but placeholders of its
# configuration: 80 ("Generic Additional Details 1" to "4" beside four event kinds),
# 90 ("First issue", "Second issue", "Third issue"), 91 ("Element 1", "Element 2") and
# 92 ("Procedure 1", "Procedure 2"). No coded field uses them; they are not shipped.
PLACEHOLDER_LISTS = {"80": 8, "90": 3, "91": 2, "92": 2}


def drop_placeholder_lists(csv_bytes):
    """The micro-thesauri without the placeholder lists (one term per line, no quoted
    line breaks in the source); fails if a list's size changed, so a new copy is re-read."""
    lines = csv_bytes.decode("utf-8").split("\n")
    kept, dropped = [lines[0]], {}
    for line in lines[1:]:
        number = line.split(",", 1)[0]
        if number in PLACEHOLDER_LISTS:
            dropped[number] = dropped.get(number, 0) + 1
        else:
            kept.append(line)
    if dropped != PLACEHOLDER_LISTS:
        raise ValueError(f"placeholder lists changed: {dropped} (expected {PLACEHOLDER_LISTS})")
    return "\n".join(kept).encode("utf-8")


# ------------------------------------------------------------------ writing --

# ---------------------------------------------------------------------- upr --

def build_upr_issues(src):
    """The issues (themes) of the UPR Info exports in ../shared/data/upr/, with the
    number of recommendations carrying each: the list the UPR Info importer checks
    an `Issue` cell against."""
    counts = {}
    folder = os.path.join(src, "upr")
    for name in sorted(os.listdir(folder)):
        if not name.startswith("upr-info-sessions-") or not name.endswith(".csv"):
            continue
        for row in read_csv(os.path.join(folder, name)):
            for issue in (row.get("Issue") or "").split(","):
                issue = issue.strip()
                if issue:
                    counts[issue] = counts.get(issue, 0) + 1
    if not counts:
        raise SystemExit(f"no UPR Info issues found under {folder}")
    return [{"issue": k, "recommendations": str(counts[k])} for k in sorted(counts)]


def to_csv(columns, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def normalize_newlines(b):
    return b.replace(b"\r\n", b"\n")


MANIFEST_FILES = [  # manifest key, path under data/, source [, as-of date the pages show]
    ("countries", "countries.csv", "datasets/country-codes (UNTERM names, M49)"),
    ("instruments", "instruments.toml", "curated; UNTC and CoE Treaty Office"),
    ("treaty_status", "treaties/status-2022-08.csv", "UNTC status as of 2022-08", "2022-08"),
    ("ratifications", "treaties/ratifications.csv", "UNTC chapter IV to the day (2014-15), later years from the 2022 extract"),
    ("ratification_disagreements", "treaties/ratifications-disagreements.csv", "UNTC 2015 vs the 2022 extract"),
    ("coe_members", "treaties/coe-members.csv", "curated; Council of Europe member States"),
    ("coe_ratifications", "treaties/coe-ratifications.csv", "curated; Council of Europe treaty facts, source and as-of date per row"),
    ("sdg_goals", "sdg/goals.csv", "Open SDG sdg-translations"),
    ("sdg_targets", "sdg/targets.csv", "Open SDG sdg-translations"),
    ("huridocs_thesauri", "huridocs/micro-thesauri.csv", "HURIDOCS ESF micro-thesauri (OpenEvSys)"),
    ("upr_action_categories", "upr/action-categories.csv", "UPR Info action categories (Edward McMahon's scale 1-5); curated"),
    ("upr_info_issues", "upr/upr-info-issues.csv", "UPR Info database exports, sessions 1-20 (rochelleterman/uprs)"),
    ("sp_mandates", "special-procedures/mandates.csv", "OHCHR special procedures pages (each row its own URL)", "2026-12-07"),
]


def render_manifest(old, contents):
    """Bump a file's version when its hash changes; bump the data version
    when any file changes."""
    old_files = old.get("files", {}) if old else {}
    changed = False
    lines_files = []
    for key, rel, source, *as_of in MANIFEST_FILES:
        digest = hashlib.sha256(contents[rel]).hexdigest()
        prev = old_files.get(key, {})
        version = prev.get("version", 0)
        if prev.get("sha256") != digest:
            version += 1
            changed = True
        lines_files.append(
            f'\n[files.{key}]\npath = "{rel}"\nversion = {version}\n'
            f'sha256 = "{digest}"\nsource = "{source}"\n'
            + "".join(f'as_of = "{d}"\n' for d in as_of))
    data_version = (old or {}).get("data_version", 0) + (1 if changed or not old else 0)
    head = (
        "# Versions of the reference data shipped in data/. Written by\n"
        "# data/scripts/build_refdata.py: a file's `version` goes up by one whenever\n"
        "# its content (sha256) changes, and `data_version` goes up whenever any file\n"
        "# changes. dignity_core::refdata::DATA_VERSION must equal `data_version`.\n"
        f"data_version = {data_version}\n"
    )
    return (head + "".join(lines_files)).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if outputs would change")
    ap.add_argument("--name-disagreements", action="store_true",
                    help="print the UNTERM name disagreements as a Markdown table (for docs/reference-data.md)")
    args = ap.parse_args()
    src = os.path.abspath(args.source)

    with open(os.path.join(DATA, "instruments.toml"), "rb") as f:
        instruments = tomllib.load(f)
    instrument_codes = {i["code"] for i in instruments["instrument"]}

    members = member_iso2s(src)
    countries, name_disagreements = build_countries(src, members)
    if args.name_disagreements:
        print("| iso3 | six-language table (short \\| formal) | UNTERM 2026-10-05 (short \\| formal) | resolution |")
        print("|---|---|---|---|")
        for d in name_disagreements:
            cells = [d["iso3"], d["six_language_table"], d["unterm_2026"], d["resolution"]]
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return
    by_iso2 = {c["iso2"]: c for c in countries}
    status, _ = build_status(src, by_iso2, instrument_codes)
    ratifications, disagreements = build_ratifications(src, status, instrument_codes)
    check_upr_groups(src, countries)
    goals = build_goals(src)
    targets = build_targets(src)

    goal_cols = ["goal"] + [f"short_{suffix(l)}" for l in SDG_LANGS] + [f"title_{suffix(l)}" for l in SDG_LANGS]
    target_cols = ["code", "goal"] + [f"title_{suffix(l)}" for l in SDG_LANGS]
    with open(os.path.join(src, "huridocs", "micro-thesauri.csv"), "rb") as f:
        thesauri = drop_placeholder_lists(normalize_newlines(f.read()))
    with open(os.path.join(src, "sdg", "LICENSE-open-sdg"), "rb") as f:
        sdg_licence = normalize_newlines(f.read())
    with open(os.path.join(DATA, "instruments.toml"), "rb") as f:
        instruments_bytes = f.read()
    with open(os.path.join(DATA, "upr", "action-categories.csv"), "rb") as f:
        upr_actions = normalize_newlines(f.read())
    upr_issues = build_upr_issues(src)

    coe = {}
    for rel in ("treaties/coe-members.csv", "treaties/coe-ratifications.csv"):  # curated by hand
        with open(os.path.join(DATA, rel), "rb") as f:
            coe[rel] = f.read()
    # Curated by hand, each row with its source URL (docs/reference-data.md).
    with open(os.path.join(DATA, "special-procedures", "mandates.csv"), "rb") as f:
        sp_mandates = f.read()

    contents = {
        "countries.csv": to_csv(COUNTRY_COLUMNS, countries),
        "treaties/status-2022-08.csv": to_csv(STATUS_COLUMNS, status),
        "treaties/ratifications.csv": to_csv(RATIFICATION_COLUMNS, ratifications),
        "treaties/ratifications-disagreements.csv": to_csv(DISAGREEMENT_COLUMNS, disagreements),
        "sdg/goals.csv": to_csv(goal_cols, goals),
        "sdg/targets.csv": to_csv(target_cols, targets),
        "sdg/LICENSE-open-sdg": sdg_licence,
        "huridocs/micro-thesauri.csv": thesauri,
        "instruments.toml": instruments_bytes,
        "upr/action-categories.csv": upr_actions,
        "upr/upr-info-issues.csv": to_csv(["issue", "recommendations"], upr_issues),
        **coe,
        "special-procedures/mandates.csv": sp_mandates,
    }
    manifest_path = os.path.join(DATA, "manifest.toml")
    old = None
    if os.path.exists(manifest_path):
        with open(manifest_path, "rb") as f:
            old = tomllib.load(f)
    contents["manifest.toml"] = render_manifest(old, contents)

    stale = []
    for rel, data in contents.items():
        path = os.path.join(DATA, rel)
        current = open(path, "rb").read() if os.path.exists(path) else None
        if current != data:
            stale.append(rel)
            if not args.check:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
    summary = (f"{len(countries)} countries ({sum(c['un_member'] == '1' for c in countries)} UN members), "
               f"{len(status)} status rows, {len(ratifications)} ratification rows "
               f"({len(disagreements)} disagreements), {len(goals)} goals, {len(targets)} targets")
    print(summary, file=sys.stderr)
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            sys.exit(1)
        print("data/ is up to date", file=sys.stderr)
    else:
        print(("wrote: " + ", ".join(stale)) if stale else "nothing changed", file=sys.stderr)


if __name__ == "__main__":
    main()
