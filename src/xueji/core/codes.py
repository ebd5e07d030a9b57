"""Code tables of the national student-status (学籍) system, as the records store them.

Each table maps the stored code to its Chinese name. Sources (see the project's reference notes):
the national system's 填表说明 for the 72-item 学生基本信息表, GB/T 3304-1991 (民族), GB/T 2261.1
(性别), JY/T 1001 (身份证件类型, 就读方式). Where the 学籍 system's values differ from a national
standard (健康状况 10–50, 是否留守儿童 0/1/2) the 学籍 system's values are used, for exchange with it.
Extensions of our own are marked as district decisions.
"""

from __future__ import annotations

from collections.abc import Mapping

GENDER = {"1": "男", "2": "女"}

# GB/T 3304-1991, 01–56, plus the widely used extensions 97/98 of the education statistics.
ETHNICITY = {
    "01": "汉族",
    "02": "蒙古族",
    "03": "回族",
    "04": "藏族",
    "05": "维吾尔族",
    "06": "苗族",
    "07": "彝族",
    "08": "壮族",
    "09": "布依族",
    "10": "朝鲜族",
    "11": "满族",
    "12": "侗族",
    "13": "瑶族",
    "14": "白族",
    "15": "土家族",
    "16": "哈尼族",
    "17": "哈萨克族",
    "18": "傣族",
    "19": "黎族",
    "20": "傈僳族",
    "21": "佤族",
    "22": "畲族",
    "23": "高山族",
    "24": "拉祜族",
    "25": "水族",
    "26": "东乡族",
    "27": "纳西族",
    "28": "景颇族",
    "29": "柯尔克孜族",
    "30": "土族",
    "31": "达斡尔族",
    "32": "仫佬族",
    "33": "羌族",
    "34": "布朗族",
    "35": "撒拉族",
    "36": "毛南族",
    "37": "仡佬族",
    "38": "锡伯族",
    "39": "阿昌族",
    "40": "普米族",
    "41": "塔吉克族",
    "42": "怒族",
    "43": "乌孜别克族",
    "44": "俄罗斯族",
    "45": "鄂温克族",
    "46": "德昂族",
    "47": "保安族",
    "48": "裕固族",
    "49": "京族",
    "50": "塔塔尔族",
    "51": "独龙族",
    "52": "鄂伦春族",
    "53": "赫哲族",
    "54": "门巴族",
    "55": "珞巴族",
    "56": "基诺族",
    "97": "其他",
    "98": "外国血统中国籍人士",
}

# 身份证件类型: the 学籍 system's subset of JY/T 1001, plus "C" for the residence permits of
# Hong Kong, Macao and Taiwan residents (81/82/83 numbers, R24.1) used by later versions.
ID_TYPE = {
    "1": "居民身份证",
    "C": "港澳台居民居住证",
    "6": "香港特区护照/身份证明",
    "7": "澳门特区护照/身份证明",
    "8": "台湾居民来往大陆通行证",
    "9": "境外永久居住证",
    "A": "护照",
    "Z": "其他",
}

HK_MO_TW = {
    "00": "否",
    "01": "香港同胞",
    "02": "香港同胞亲属",
    "03": "澳门同胞",
    "04": "澳门同胞亲属",
    "05": "台湾同胞",
    "06": "台湾同胞亲属",
    "11": "华侨",
    "12": "侨眷",
    "13": "归侨",
    "14": "归侨子女",
    "21": "归国留学人员",
    "31": "非华裔中国人",
    "41": "外籍华裔人",
    "51": "外国人",
    "99": "其他",
}

POLITICAL_STATUS = {"01": "中共党员", "02": "中共预备党员", "03": "共青团员", "13": "群众"}

HEALTH = {"10": "健康或良好", "20": "一般或较弱", "30": "有慢性病", "40": "有生理缺陷", "50": "残疾"}

HOUSEHOLD_TYPE = {"1": "农业户口", "2": "非农业户口"}

# 入学方式, compulsory-education values only (this deployment holds primary and junior schools).
ENTRY_MODE = {"11": "就近入学", "12": "其他"}

# 就读方式 (JY/T 1001) plus "4 送教上门": R6.6 needs the home-taught students marked, and the
# 学籍 system's list has no such value. District decision, see docs/decisions.
ATTENDANCE_MODE = {"1": "走读", "2": "住校", "3": "借宿", "4": "送教上门", "9": "其他"}

STUDENT_SOURCE = {"1": "正常入学", "2": "借读", "9": "其他"}

LEFT_BEHIND = {"0": "非留守儿童", "1": "单亲留守儿童", "2": "双亲留守儿童"}

REGULAR_CLASS_DISABLED = {  # 随班就读
    "0": "非随班就读",
    "1": "视力残疾随班就读",
    "2": "听力残疾随班就读",
    "3": "智力残疾随班就读",
    "4": "其他残疾随班就读",
}

DISABILITY = {
    "0": "无残疾",
    "1": "视力残疾",
    "2": "听力残疾",
    "3": "言语残疾",
    "4": "肢体残疾",
    "5": "智力残疾",
    "6": "精神残疾",
    "7": "多重残疾",
    "8": "其他残疾",
}

# 随班就读 ↔ 残疾类型: which disability each 随班就读 value allows. "非随班就读" allows any, since
# students of special schools and those taught at home (R6.6) are disabled but not 随班就读.
REGULAR_CLASS_DISABILITY = {
    "0": set(DISABILITY),
    "1": {"1"},
    "2": {"2"},
    "3": {"5"},
    "4": {"3", "4", "6", "7", "8"},
}

# 上下学交通方式; the 学籍 system's code for 其他 is not published, 9 follows the JY/T habit.
COMMUTE_MODE = {
    "1": "步行",
    "2": "自行车（含摩托车、电动自行车）",
    "3": "公共交通（含城市公交、农村客运、地铁）",
    "4": "家长自行接送",
    "5": "校车",
    "9": "其他",
}

FAMILY_RELATION = {"1": "父亲", "2": "母亲", "3": "祖父母或外祖父母", "4": "兄弟姐妹", "9": "其他"}

YES_NO = {"1": "是", "0": "否"}

# Nationality/region (GB/T 2659 alpha-3); the few a district meets, extendable by configuration.
NATIONALITY = {
    "CHN": "中国",
    "HKG": "中国香港",
    "MAC": "中国澳门",
    "TWN": "中国台湾",
    "USA": "美国",
    "KOR": "韩国",
    "JPN": "日本",
    "RUS": "俄罗斯",
    "GBR": "英国",
    "CAN": "加拿大",
    "AUS": "澳大利亚",
    "SGP": "新加坡",
    "MYS": "马来西亚",
    "DEU": "德国",
    "FRA": "法国",
}

GRADE_NAMES = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "七年级",
    8: "八年级",
    9: "九年级",
}


def choices(table: Mapping[str, str]) -> list[tuple[str, str]]:
    """Django field choices showing "code name", the way registrars read them on the national form."""
    return [(code, name) for code, name in table.items()]


def lookup(table: Mapping[str, str], value: str | None) -> str | None:
    """Accept a code or its name (registrars type either); return the code or None."""
    if value is None:
        return None
    value = str(value).strip()
    if value in table:
        return value
    for code, name in table.items():
        if name == value or f"{code}-{name}" == value or f"{code} {name}" == value:
            return code
    return None
