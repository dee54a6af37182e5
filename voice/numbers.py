"""Spoken numbers, plates and commands as a recogniser writes them, turned into the clean values a flow expects.

A citizen says 三两洞幺洞两 or 幺九九零; Whisper writes 三两动腰动两 or 要九九零. Inside a run of digits those
homophones are read as digits; outside one (号码是…) they stay words. An ID number carries a GB 11643-1999 check
digit and a birth date, which pick the right 18 digits out of a longer or noisier run.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cn2an
import opencc
from pypinyin import Style, lazy_pinyin, pinyin

from knowledge.identifiers import DIGIT_WORDS, MOBILE_PREFIXES, PLATE_PROVINCES, X_WORDS, is_valid_id, is_valid_plate

_T2S = opencc.OpenCC("t2s")

# Digits, the digit words people say and the financial numerals.
_STRONG: dict[str, str] = {
    **{str(d): str(d) for d in range(10)},
    **DIGIT_WORDS,
    "壹": "1", "贰": "2", "叁": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9",
    # homophones Whisper writes for 洞 and 幺 so often that they count as digits anywhere in a run
    "动": "0", "栋": "0", "腰": "1", "妖": "1", "遥": "1", "摇": "1",
}
# Homophones that are digits only between other digits (是 in 号码是 is a word, in 三是五 it is 四).
_WEAK: dict[str, str] = {
    **dict.fromkeys("冻东冬懂灵铃玲龄", "0"),
    **dict.fromkeys("要邀尧药衣依医伊亿义易英", "1"),
    **dict.fromkeys("俩亮而儿尔耳", "2"),
    **dict.fromkeys("伞散山", "3"),
    **dict.fromkeys("是式似死思寺事市师自", "4"),
    **dict.fromkeys("无吴武舞午物屋误务", "5"),
    **dict.fromkeys("溜留流刘柳", "6"),
    **dict.fromkeys("期其奇起气妻骑齐棋轻青清亲", "7"),
    **dict.fromkeys("吧巴爸拔扒把疤", "8"),
    **dict.fromkeys("就酒久救旧韭", "9"),
}
# The X of an ID number and what a recogniser writes for it; the longest reading is matched first.
_X_WORDS = tuple(sorted({*X_WORDS, "爱克斯", "艾克思", "爱克思", "哎克斯", "克斯", "可斯", "可思", "克思",
                         "插", "差", "茶", "查", "岔", "擦", "餐", "参", "x", "X", "×"}, key=lambda w: (-len(w), w)))
_SEPARATORS = set(" \t,，、.。-—–_:：;；·/|!！?？\u200d")
_FILLERS = ("那个", "就是", "然后", "这个", "嗯", "呃", "额", "啊", "哦", "噢", "唔")

# Plate letters as they are read aloud in Mandarin; longer readings are matched first.
_LETTER_NAMES: dict[str, str] = {
    "A": "诶欸哎", "B": "比必币笔毕逼鼻", "C": "西希吸溪惜夕", "D": "迪弟地滴帝第低", "E": "伊", "G": "吉鸡基",
    "J": "杰街接节结姐捷", "K": "开凯卡", "N": "恩", "P": "屁皮批劈匹", "Q": "丘秋球求", "T": "提替踢体梯题",
    "U": "优悠尤", "V": "维威微唯薇", "Y": "歪崴", "Z": "贼泽则兹",
}
_LETTER_WORDS: dict[str, str] = {
    "艾弗": "F", "爱弗": "F", "埃弗": "F", "艾夫": "F", "爱夫": "F", "艾尺": "H", "爱尺": "H", "艾曲": "H",
    "埃奇": "H", "艾奇": "H", "艾勒": "L", "爱勒": "L", "艾尔": "L", "埃尔": "L", "爱尔": "L", "艾姆": "M",
    "爱姆": "M", "埃姆": "M", "艾木": "M", "艾恩": "N", "爱恩": "N", "艾斯": "S", "爱斯": "S", "埃斯": "S",
    "艾丝": "S", "爱思": "S", "阿尔": "R", "啊尔": "R", "达不溜": "W", "达布溜": "W", "大不溜": "W", "打不溜": "W",
    "艾克斯": "X", "爱克斯": "X", "埃克斯": "X",
}

COMMANDS: dict[str, tuple[str, ...]] = {
    "back": ("返回", "上一步", "返回上一步", "回到上一步", "退回", "后退", "回去", "上一个", "退一步"),
    "repeat": ("重复", "重复一遍", "再说一遍", "再说一次", "再讲一遍", "我听不清", "听不清", "没听清", "没听清楚",
               "听不清楚", "你说什么"),
    "cancel": ("取消", "不办了", "不要办了", "算了", "退出", "结束", "取消办理", "放弃"),
    "human": ("转人工", "人工", "人工服务", "找人工", "找民警", "找警察", "工作人员", "真人", "人工客服"),
    "help": ("帮助", "帮忙", "怎么用", "不会用", "求助", "帮帮我"),
    "yes": ("是", "是的", "对", "对的", "对呀", "确认", "确定", "好", "好的", "可以", "行", "没错", "没问题", "正确"),
    "no": ("不", "不是", "不对", "否", "错了", "不行", "不确认", "有误", "不可以", "不要"),
}
# What the dialogue is sent for each command: words its command lists accept.
COMMAND_TEXT: dict[str, str] = {
    "back": "返回", "repeat": "重复", "cancel": "取消", "human": "转人工", "help": "帮助", "yes": "是的", "no": "否",
}
EXPECTS = ("id_number", "plate", "digits6", "command", "yes_no", "phone", "date")
NUMERIC_EXPECTS = ("id_number", "plate", "digits6", "phone")


def to_simplified(text: str) -> str:
    return str(_T2S.convert(unicodedata.normalize("NFKC", text)))


@dataclass(frozen=True)
class _Tok:
    sym: str
    strong: bool


def _digit_tokens(text: str, allow_x: bool = True) -> list[_Tok | None]:
    """Digit symbols in order; None marks a word that breaks a run. Separators and fillers are skipped."""
    out: list[_Tok | None] = []
    i = 0
    while i < len(text):
        if allow_x:
            word = next((w for w in _X_WORDS if text.startswith(w, i)), None)
            if word is not None:
                out.append(_Tok("X", len(word) > 1 or word in "叉xX×"))
                i += len(word)
                continue
        filler = next((f for f in _FILLERS if text.startswith(f, i)), None)
        ch = text[i]
        if ch in _STRONG:
            out.append(_Tok(_STRONG[ch], True))
        elif ch in _WEAK:
            out.append(_Tok(_WEAK[ch], False))
        elif filler is not None:
            i += len(filler)
            continue
        elif ch not in _SEPARATORS:
            out.append(None)
        i += 1
    return out


def _runs(tokens: Sequence[_Tok | None]) -> list[list[_Tok]]:
    runs: list[list[_Tok]] = []
    cur: list[_Tok] = []
    for t in [*tokens, None]:
        if t is None:
            # a run must hold at least one real digit word; weak words at its edges are trimmed later if needed
            if any(x.strong for x in cur):
                runs.append(cur)
            cur = []
        else:
            cur.append(t)
    return runs


def _trim_weak(run: list[_Tok], length: int) -> list[_Tok]:
    while len(run) > length and not run[0].strong:
        run = run[1:]
    while len(run) > length and not run[-1].strong:
        run = run[:-1]
    return run


def _units_to_digits(text: str) -> str:
    """Numbers said with units (一九九零年十二月三日, 十二) become Arabic digits; digit-by-digit runs are left."""
    if not re.search(r"[十百千万]", text):
        return text
    try:
        return str(cn2an.transform(text, "cn2an"))
    except (ValueError, KeyError, IndexError):
        return text


def _prepare(text: str) -> str:
    text = to_simplified(text)
    # 1956年12月30日 inside an ID number: keep the zero padding
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?",
                  lambda m: f"{m.group(1)}{int(m.group(2)):02d}{int(m.group(3)):02d}", _units_to_digits(text))
    return text


def _valid_windows(seq: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(len(seq) - 17):
        window = "".join(seq[start:start + 18])
        if "X" not in window[:17] and is_valid_id(window) and window not in found:
            found.append(window)
    # the number usually ends the utterance: prefer the latest window
    return found[::-1]


def id_candidates(text: str) -> list[str]:
    """Every valid ID number (checksum, province, birth date) among the 18-digit windows of the text's digits.

    When none is valid, a homophone that may not have been a digit at all (舞 for an echo of 五) is dropped, one at
    a time: a weak reading is the likeliest insertion, and the check digit tells whether dropping it was right."""
    tokens = [t for t in _digit_tokens(_prepare(text)) if t is not None]
    found = _valid_windows([t.sym for t in tokens])
    if found or len(tokens) < 19:
        return found
    for i, tok in enumerate(tokens):
        if not tok.strong:
            found += [c for c in _valid_windows([t.sym for t in tokens[:i] + tokens[i + 1:]]) if c not in found]
    return found


def parse_id(text: str) -> str | None:
    found = id_candidates(text)
    return found[0] if found else None


def pick_id(hypotheses: Iterable[str]) -> str | None:
    """The best valid ID among ranked hypotheses: votes weighted by rank, ties to the better-ranked one."""
    score: dict[str, float] = {}
    first: dict[str, int] = {}
    for rank, hyp in enumerate(hypotheses):
        for cand in id_candidates(hyp):
            score[cand] = score.get(cand, 0.0) + 1.0 / (rank + 1)
            first.setdefault(cand, rank)
    if not score:
        return None
    return max(score, key=lambda c: (score[c], -first[c]))


def parse_digits(text: str, length: int | None = None, prefix: str = "") -> str | None:
    """A run of digits of the given length (a phone number, a 6-digit code), or the longest run if length is None."""
    runs = _runs(_digit_tokens(_prepare(text), allow_x=False))
    if not runs:
        return None
    if length is None:
        return "".join(t.sym for t in max(runs, key=len))
    joined = [t for run in runs for t in run]
    for cand in (*runs, joined):
        digits = "".join(t.sym for t in _trim_weak(cand, length))
        if len(digits) == length and digits.startswith(prefix):
            return digits
    return None


def parse_phone(text: str) -> str | None:
    value = parse_digits(text, 11, prefix="1")
    return value if value and value[1] in MOBILE_PREFIXES else None


def _province(ch: str) -> str | None:
    if ch in PLATE_PROVINCES:
        return ch
    sound = pinyin(ch, style=Style.TONE3)[0][0]
    exact = [p for p in PLATE_PROVINCES if pinyin(p, style=Style.TONE3)[0][0] == sound]
    if len(exact) == 1:
        return exact[0]
    bare = lazy_pinyin(ch)[0]
    loose = [p for p in PLATE_PROVINCES if lazy_pinyin(p)[0] == bare]
    return loose[0] if len(loose) == 1 else None


# Any other character is read by its sound: the recogniser wrote 截 for 杰 (J) or 漆 for 七.
_PLATE_SOUNDS: dict[str, str] = {
    "ling": "0", "dong": "0", "yi": "1", "yao": "1", "er": "2", "liang": "2", "san": "3", "si": "4", "wu": "5",
    "liu": "6", "qi": "7", "ba": "8", "jiu": "9", "ei": "A", "bi": "B", "xi": "C", "di": "D", "ji": "G", "jie": "J",
    "kai": "K", "pi": "P", "qiu": "Q", "ti": "T", "you": "U", "wei": "V", "wai": "Y", "zei": "Z",
}
_LETTER_SINGLE = {ch: letter for letter, chars in _LETTER_NAMES.items() for ch in chars}
_PLATE_WORDS = sorted(_LETTER_WORDS, key=len, reverse=True)


def _plate_symbols(text: str) -> list[tuple[str, int]]:
    """(symbol, position) for each plate character; '?' for a character that is neither letter nor digit."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        word = next((w for w in _PLATE_WORDS if text.startswith(w, i)), None)
        if word is not None:
            out.append((_LETTER_WORDS[word], i))
            i += len(word)
            continue
        if "A" <= ch.upper() <= "Z" and ch.isascii():
            out.append((ch.upper(), i))
        elif ch in _STRONG:
            out.append((_STRONG[ch], i))
        elif ch in _LETTER_SINGLE:
            out.append((_LETTER_SINGLE[ch], i))
        elif ch not in _SEPARATORS:
            out.append((_PLATE_SOUNDS.get(lazy_pinyin(ch)[0], "?") if ch not in PLATE_PROVINCES else "?", i))
        i += 1
    return out


def parse_plate(text: str) -> str | None:
    """粤比三开五八二 → 粤B3K582; new-energy plates have six characters after the letter."""
    text = _prepare(text)
    syms = _plate_symbols(text)
    best: str | None = None
    for k, (sym, pos) in enumerate(syms):
        if sym != "?" and text[pos] not in PLATE_PROVINCES:
            continue
        province = _province(text[pos])
        if province is None:
            continue
        for n in (7, 6):
            body = "".join(s for s, _ in syms[k + 1:k + 1 + n])
            if len(body) == n and is_valid_plate(province + body):
                best = province + body
                break
    return best


def _syllables(text: str) -> list[str]:
    return [s for s in lazy_pinyin(text) if s.isalpha()]


def _strip_fillers(text: str) -> str:
    text = "".join(ch for ch in to_simplified(text) if ch not in _SEPARATORS)
    for f in (*_FILLERS, "请", "吧", "呀", "了", "一下"):
        text = text.replace(f, "") if text.replace(f, "") else text
    return text


def _similarity(a: list[str], b: list[str]) -> float:
    """1 - syllable edit distance / longer length; near syllables (zh/z, eng/en) cost half."""
    def near(x: str, y: str) -> bool:
        norm = str.maketrans({"h": None})
        return x.translate(norm).rstrip("g") == y.translate(norm).rstrip("g")

    d = [float(j) for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        prev, d[0] = d[:], float(i)
        for j, y in enumerate(b, 1):
            cost = 0.0 if x == y else 0.5 if near(x, y) else 1.0
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + cost)
    return 1.0 - d[len(b)] / max(len(a), len(b), 1)


def match_command(text: str, keys: Iterable[str] | None = None, threshold: float = 0.6) -> str | None:
    """The command key (back, repeat, cancel, human, help, yes, no) the words mean, by text and then by sound."""
    wanted = tuple(keys) if keys is not None else tuple(COMMANDS)
    said = _strip_fillers(text)
    if not said:
        return None
    for key in wanted:
        if said in COMMANDS[key]:
            return key
    sounds = _syllables(said)
    best, best_score = None, 0.0
    for key in wanted:
        for phrase in COMMANDS[key]:
            s = _similarity(sounds, _syllables(phrase))
            if s > best_score:
                best, best_score = key, s
    return best if best_score >= threshold else None


def parse_date(text: str) -> str | None:
    """一九九零年二月三日, 1990年2月3号, 1990-2-3 → 1990-02-03."""
    text = to_simplified(text)
    text = re.sub(r"[零〇洞幺一二两三四五六七八九]{4}(?=年)", lambda m: "".join(_STRONG[c] for c in m.group(0)), text)
    text = _units_to_digits(text)
    text = "".join(_STRONG.get(c, c) if c in "零〇幺一二两三四五六七八九" else c for c in text)
    m = re.search(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Understood:
    text: str
    """What the dialogue receives: the clean value when one was recognised, else the cleaned words."""
    value: str | None
    """The parsed value (ID number, plate, digits, command key, ISO date), None when nothing fitted."""


def understand(text: str, expect: str | None = None, alternatives: Sequence[str] = ()) -> Understood:
    """Turn recognised words into what the dialogue expects next; alternatives are lower-ranked hypotheses."""
    text = to_simplified(text).strip()
    hyps = [text, *(to_simplified(a) for a in alternatives)]
    value: str | None = None
    if expect == "id_number":
        value = pick_id(hyps)
    elif expect == "plate":
        value = next((v for v in map(parse_plate, hyps) if v), None)
    elif expect == "digits6":
        value = next((v for v in (parse_digits(h, 6) for h in hyps) if v), None)
    elif expect == "phone":
        value = next((v for v in map(parse_phone, hyps) if v), None)
    elif expect == "date":
        value = next((v for v in map(parse_date, hyps) if v), None)
    elif expect in ("command", "yes_no"):
        keys = ("yes", "no") if expect == "yes_no" else None
        key = next((k for k in (match_command(h, keys) for h in hyps) if k), None)
        return Understood(COMMAND_TEXT[key], key) if key else Understood(text, None)
    if value is not None:
        return Understood(value, value)
    return Understood(text, None)


def render_spoken(value: str, style: int = 0) -> str:
    """An ID or digit string as a person might say it: style picks 幺/一, 洞/零, 两/二, 叉/艾克斯 and grouping."""
    ones, zeros, twos = ("幺", "一")[style & 1], ("零", "洞")[(style >> 1) & 1], ("二", "两")[(style >> 2) & 1]
    table = {"0": zeros, "1": ones, "2": twos, "3": "三", "4": "四", "5": "五", "6": "六", "7": "七", "8": "八",
             "9": "九", "X": ("叉", "艾克斯")[(style >> 3) & 1]}
    spoken = [table[c] for c in value]
    groups = ((), (6, 14), (6, 10, 14))[(style >> 4) % 3] if len(value) == 18 else ()
    for cut in reversed(groups):
        spoken.insert(cut, "，")
    return "".join(spoken)
