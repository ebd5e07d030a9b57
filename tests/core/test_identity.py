"""Identity numbers and 学籍号 (R6.3, R6.4, R24.1) — pure Python, no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xueji.core.errors import RuleViolation
from xueji.core.identity import (
    XJH_RE,
    ResidentId,
    check_resident_id_matches,
    g_number,
    gb11643_check_char,
    gender_label,
    j_number,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_xjh,
    parse_resident_id,
    validate_document,
    validate_xjh,
)

TODAY = dt.date(2026, 9, 1)


def with_check(body17: str) -> str:
    return body17 + gb11643_check_char(body17)


def refusal(code: str, func, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        func(*args, **kwargs)
    assert exc.value.code == code
    return exc.value


# --- R6.3 resident ID numbers -------------------------------------------------------------------


def test_r6_3_check_char_matches_standard_examples():
    assert gb11643_check_char("11010519491231002") == "X"
    assert gb11643_check_char("44052418800101001") == "4"
    assert gb11643_check_char("41050320150101001") == "7"
    with pytest.raises(ValueError):
        gb11643_check_char("1234")


def test_r6_3_valid_example_beijing():
    info = parse_resident_id("11010519491231002X", today=TODAY)
    assert info == ResidentId(
        number="11010519491231002X",
        region_code="110105",
        birth_date=dt.date(1949, 12, 31),
        gender="2",
        region_name="北京市朝阳区",
        region_known=True,
        kind="resident",
    )


def test_r6_3_historical_region_code_is_valid_and_known():
    # 440524 潮阳县 existed 1983-1993 only; the 1880 birth year must not make it invalid.
    info = parse_resident_id("440524188001010014", today=TODAY)
    assert info.region_known is True
    assert info.region_name == "广东省汕头市潮阳县"
    assert info.birth_date == dt.date(1880, 1, 1)
    assert info.gender == "1"


def test_r6_3_beiguan_number():
    info = parse_resident_id("410503201501010017", today=TODAY)
    assert (info.region_code, info.region_name, info.gender) == ("410503", "河南省安阳市北关区", "1")


def test_r6_3_renamed_county_uses_latest_name():
    info = parse_resident_id(with_check("13050320100101001"), today=TODAY)
    assert info.region_name == "河北省邢台市信都区"


@pytest.mark.parametrize("number", ["110105194912310021", "11010219840506970X"])
def test_r6_3_wrong_check_char_is_refused(number):
    err = refusal("id_check_char", parse_resident_id, number, today=TODAY)
    assert (err.rule, err.field) == ("R6.3", "id_number")
    assert "GB 11643-1999" in err.message and "户口簿" in err.message


def test_r6_3_check_char_message_names_expected_and_entered():
    err = refusal("id_check_char", parse_resident_id, "110105194912310021", today=TODAY)
    assert "应为 X" in err.message and "输入为 1" in err.message


@pytest.mark.parametrize("body", ["41050320190230001", "41050320190229001", "41050320151301001"])
def test_r6_3_impossible_birth_date_is_refused(body):
    err = refusal("id_birth_date", parse_resident_id, with_check(body), today=TODAY)
    assert err.rule == "R6.3"


def test_r6_3_future_birth_date_is_refused_with_fixed_today():
    number = with_check("41050320260902001")
    refusal("id_birth_date", parse_resident_id, number, today=TODAY)
    assert parse_resident_id(number, today=dt.date(2026, 9, 2)).birth_date == dt.date(2026, 9, 2)


def test_r6_3_leap_day_in_leap_year_is_valid():
    assert parse_resident_id(with_check("41050320200229002"), today=TODAY).gender == "2"


def test_r6_3_unknown_province_is_refused():
    number = with_check("99010519491231002")
    err = refusal("id_province", parse_resident_id, number, today=TODAY)
    assert "99" in err.message


def test_r6_3_unknown_region_in_known_province_is_only_a_warning():
    info = parse_resident_id(with_check("41999920150101001"), today=TODAY)
    assert info.region_known is False
    assert info.region_name is None


def test_r6_3_city_and_province_level_codes_are_known():
    assert parse_resident_id(with_check("41050020150101001"), today=TODAY).region_name == "河南省安阳市"
    assert parse_resident_id(with_check("41000020150101001"), today=TODAY).region_name == "河南省"
    assert parse_resident_id(with_check("41990020150101001"), today=TODAY).region_known is True


@pytest.mark.parametrize(
    "raw", ["11010519491231002", "1101051949123100201", "1101051949A231002X", "", "X" * 18]
)
def test_r6_3_bad_format_is_refused(raw):
    err = refusal("id_format", parse_resident_id, raw, today=TODAY)
    assert "18" in err.message


@pytest.mark.parametrize(
    "raw",
    [" 110105 19491231 002x ", "１１０１０５１９４９１２３１００２Ｘ", "110105\u30001949\t1231002ｘ"],
)
def test_r6_3_input_is_normalised(raw):
    assert normalize_id_number(raw) == "11010519491231002X"
    assert parse_resident_id(raw, today=TODAY).number == "11010519491231002X"


def test_r6_3_birth_date_mismatch():
    info = parse_resident_id(with_check("41050320200831002"), today=TODAY)
    err = refusal(
        "id_birth_mismatch", check_resident_id_matches, info, birth_date=dt.date(2020, 9, 1), gender="2"
    )
    assert (err.rule, err.field) == ("R6.3", "birth_date")
    assert "2020年08月31日" in err.message and "2020年09月01日" in err.message


def test_r6_3_gender_mismatch():
    info = parse_resident_id("11010519491231002X", today=TODAY)
    err = refusal("id_gender_mismatch", check_resident_id_matches, info, birth_date=None, gender="1")
    assert err.field == "gender"
    assert "女" in err.message and "男" in err.message


def test_r6_3_matching_data_passes():
    info = parse_resident_id("11010519491231002X", today=TODAY)
    check_resident_id_matches(info, birth_date=dt.date(1949, 12, 31), gender="2")
    check_resident_id_matches(info, birth_date=None, gender=None)


def test_r6_3_document_type_1_parses_and_matches():
    assert (
        validate_document(
            id_type="1", raw="11010519491231002x", birth_date=dt.date(1949, 12, 31), gender="2", today=TODAY
        )
        == "11010519491231002X"
    )
    refusal(
        "id_gender_mismatch",
        validate_document,
        id_type="1",
        raw="11010519491231002X",
        gender="1",
        today=TODAY,
    )
    refusal("id_check_char", validate_document, id_type="1", raw="110105194912310021", today=TODAY)


def test_r6_3_unknown_document_type_is_refused():
    err = refusal("id_type", validate_document, id_type="Q", raw="11010519491231002X")
    assert err.rule == "R6.3"


def test_r6_3_gender_label():
    assert (gender_label("1"), gender_label("2"), gender_label(None)) == ("男", "女", "")


# --- R24.1 Hong Kong, Macao, Taiwan and foreign documents ---------------------------------------


@pytest.mark.parametrize(
    ("prefix", "kind", "name"),
    [("81", "hk", "香港特别行政区"), ("82", "mo", "澳门特别行政区"), ("83", "tw", "台湾地区")],
)
def test_r24_1_residence_permits_use_gb11643(prefix, kind, name):
    number = with_check(prefix + "000019940823002")
    info = parse_resident_id(number, today=TODAY)
    assert (info.kind, info.region_code, info.region_known) == (kind, prefix + "0000", True)
    assert info.region_name == name
    assert (
        validate_document(id_type="C", raw=number, birth_date=dt.date(1994, 8, 23), gender="2", today=TODAY)
        == number
    )
    assert validate_document(id_type="1", raw=number, today=TODAY) == number


def test_r24_1_residence_permit_errors():
    err = refusal("id_format", validate_document, id_type="C", raw="11010519491231002X", today=TODAY)
    assert err.rule == "R24.1" and "810000" in err.message
    refusal("id_check_char", validate_document, id_type="C", raw="810000199408230022", today=TODAY)
    refusal(
        "id_birth_mismatch",
        validate_document,
        id_type="C",
        raw="810000199408230021",
        birth_date=dt.date(1994, 8, 24),
        today=TODAY,
    )
    refusal("id_province", parse_resident_id, with_check("81010019940823002"), today=TODAY)


VALID_DOCUMENTS = [
    ("6", "H12345678"),
    ("6", "H1234567890"),
    ("6", "A123456(3)"),
    ("6", "A1234563"),
    ("6", "AB987654(3)"),
    ("6", "K12345678"),
    ("7", "M12345678"),
    ("7", "M1234567890"),
    ("7", "1234567(8)"),
    ("7", "51234568"),
    ("7", "MA1234567"),
    ("8", "12345678"),
    ("8", "1234567890"),
    ("8", "1234567890(B)"),
    ("8", "1234567890B"),
    ("9", "USA110083004003"),
    ("9", with_check("91560019900101001")),
    ("A", "E12345678"),
    ("A", "EA1234567"),
    ("A", "AB123"),
    ("A", "P1234567890123456"),
    ("Z", ""),
    ("Z", "学生证2026-001"),
]


@pytest.mark.parametrize(("id_type", "raw"), VALID_DOCUMENTS)
def test_r24_1_valid_documents(id_type, raw):
    assert validate_document(id_type=id_type, raw=raw, today=TODAY) == raw


INVALID_DOCUMENTS = [
    ("6", "H123456", "id_format"),
    ("6", "K1234567890", "id_format"),
    ("6", "H1234567", "id_check_char"),
    ("6", "12345678", "id_format"),
    ("6", "A123456(4)", "id_check_char"),
    ("6", "A123456(3", "id_format"),
    ("7", "M1234567", "id_format"),
    ("7", "2234567(8)", "id_format"),
    ("7", "MA123456", "id_format"),
    ("8", "1234567", "id_format"),
    ("8", "123456789", "id_format"),
    ("8", "12345678(B)", "id_format"),
    ("9", "US1100830040031", "id_format"),
    ("9", "810000199408230021", "id_format"),
    ("A", "AB12", "id_format"),
    ("A", "E1234-5678", "id_format"),
    ("A", "E" * 18, "id_format"),
    ("Z", "X" * 31, "id_format"),
]


@pytest.mark.parametrize(("id_type", "raw", "code"), INVALID_DOCUMENTS)
def test_r24_1_invalid_documents(id_type, raw, code):
    err = refusal(code, validate_document, id_type=id_type, raw=raw, today=TODAY)
    assert err.field == "id_number"
    if id_type != "Z":
        assert err.rule == "R24.1"


def test_r24_1_format_message_names_expected_format_with_example():
    err = refusal("id_format", validate_document, id_type="6", raw="H123456")
    assert "H12345678" in err.message and "A123456(3)" in err.message


def test_r24_1_new_permanent_residence_id_check_char():
    body = "91560019900101001"
    wrong = "0" if gb11643_check_char(body) != "0" else "1"
    refusal("id_check_char", validate_document, id_type="9", raw=body + wrong)


def test_r24_1_documents_are_normalised():
    assert validate_document(id_type="6", raw="ａ１２３４５６（３）") == "A123456(3)"
    assert validate_document(id_type="A", raw=" e1234 5678 ") == "E12345678"
    assert validate_document(id_type="8", raw="１２３４\u3000５６７８") == "12345678"


# --- R6.4 学籍号 --------------------------------------------------------------------------------


def test_r6_4_g_number_is_g_plus_id():
    assert g_number(" 11010519491231002x") == "G11010519491231002X"
    assert validate_xjh("g11010519491231002x") == "G11010519491231002X"


def test_r6_4_g_number_needs_valid_check_char():
    err = refusal("xjh_check_char", validate_xjh, "G110105194912310021")
    assert (err.rule, err.field) == ("R6.4", "xjh")


@pytest.mark.parametrize("raw", ["L41050320150101001X", "J410503201501010051", " j41050320150101005x "])
def test_r6_4_l_and_j_numbers_are_format_checked_only(raw):
    assert XJH_RE.match(validate_xjh(raw))


@pytest.mark.parametrize(
    "raw", ["", "11010519491231002X", "X11010519491231002X", "G1101051949123100", "GX1010519491231002X"]
)
def test_r6_4_bad_format_is_refused(raw):
    err = refusal("xjh_format", validate_xjh, raw)
    assert (err.rule, err.field) == ("R6.4", "xjh")


def test_r6_4_normalize_xjh():
    assert normalize_xjh("ｇ１１０１０５ 19491231002x") == "G11010519491231002X"


def test_r6_4_j_number_round_trip():
    xjh = j_number(region_code="410503", birth_date=dt.date(2015, 1, 1), sequence=5)
    # R6.4 (as corrected): the GB 11643 check character for these digits is X; a J number takes
    # the next one in the cycle 1 0 X 9 8 … 2, so its body is never a valid ID number.
    assert gb11643_check_char(xjh[1:18]) == "X"
    assert xjh == "J410503201501010059"
    assert validate_xjh(xjh) == xjh


@pytest.mark.parametrize("sequence", [0, 1000, -1])
def test_r6_4_j_number_sequence_range(sequence):
    with pytest.raises(ValueError):
        j_number(region_code="410503", birth_date=dt.date(2015, 1, 1), sequence=sequence)


def test_r6_4_j_number_region_must_be_six_digits():
    with pytest.raises(ValueError):
        j_number(region_code="4105", birth_date=dt.date(2015, 1, 1), sequence=1)


# --- masking (display of identity data) ---------------------------------------------------------


def test_r6_3_mask_id_number():
    assert mask_id_number("410503201501010017") == "410503********0017"
    assert mask_id_number("H12345678") == "H1*****78"
    assert mask_id_number("AB12") == "****"
    assert mask_id_number(None) == ""
    assert mask_id_number("") == ""


def test_r6_3_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0372-2345678") == "********5678"
    assert mask_phone(None) == ""


# --- properties ---------------------------------------------------------------------------------

bodies = st.builds(
    lambda region, birth, seq: f"{region}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(["410503", "410502", "110105", "440524"]),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(bodies)
def test_r6_3_property_generated_numbers_are_accepted(body):
    info = parse_resident_id(with_check(body), today=TODAY)
    assert info.birth_date == dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    assert info.gender == ("1" if int(body[16]) % 2 else "2")
    assert info.region_known is True


@given(bodies, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_r6_3_property_any_single_substitution_is_refused(body, position, char):
    # Weights are non-zero mod the prime 11, so a one-character change always alters the sum.
    number = with_check(body)
    if number[position] == char:
        char = "X" if char != "X" else "0"
    changed = number[:position] + char + number[position + 1 :]
    with pytest.raises(RuleViolation):
        parse_resident_id(changed, today=TODAY)


@given(st.text(alphabet=st.sampled_from("0123456789Xx０１２３４５６７８９Ｘｘ \u3000\tAbｂ（）")))
def test_r6_3_property_normalisation_is_idempotent(raw):
    once = normalize_id_number(raw)
    assert normalize_id_number(once) == once
    assert not any(ch.isspace() for ch in once)


@given(
    region=st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
    sequence=st.integers(min_value=1, max_value=999),
)
def test_r6_4_no_j_number_is_a_resident_id_number_by_construction(region, birth, sequence):
    """The body after "J" is ID-like but never valid: whatever region, day and sequence, parsing it
    as a resident ID number fails on its check character, so no child registered later holds it."""
    number = j_number(region_code=region, birth_date=birth, sequence=sequence)
    assert len(number) == 19 and number[0] == "J" and number[1:18].isdigit()
    assert number[18] != gb11643_check_char(number[1:18])
    with pytest.raises(RuleViolation):
        parse_resident_id(number[1:], today=dt.date(2031, 1, 1))
