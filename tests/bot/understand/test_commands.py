import json
from pathlib import Path

import pytest

from bot.understand.commands import Commands

DEV_SET = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def commands() -> Commands:
    return Commands.load()


@pytest.mark.parametrize(("text", "command"), [
    ("返回", "back"), ("请返回上一步吧", "back"), ("再说一遍", "repeat"), ("取消", "cancel"), ("不办了", "cancel"),
    ("帮助", "help"), ("转人工", "human"), ("我要找工作人员", "human"), ("现在办理", "start"), ("Cancel", "cancel"),
    ("取消驾驶证预约怎么弄", None), ("返回的时候要带什么", None),
])
def test_commands_are_whole_utterances(commands: Commands, text: str, command: str | None) -> None:
    assert commands.match(text) == command


STEERING = {
    "cancel": [
        "等下我还没想好，算了不办了", "算了，我手机没电付不了钱，回头再说", "哎呀我钱没带够，算了，不办了",
        "不好意思，我材料没带齐，先不办了", "算了算了，太麻烦了，改天再说", "我再想想，算了吧",
        "嗯，我还没考虑好，下次再办", "算了，来不及了，以后再说", "等一下，我身份证忘带了，不弄了",
        "我还没想好算了不办了",
    ],
    "restart": [
        "不对，我说错了，重新来", "从头再来一遍", "我说错了，从头开始", "不对不对，重来一遍", "错了错了，全部重新来",
        "刚才填错了，从头再来吧", "我点错了，重新开始", "重新来吧",
    ],
    "repeat": [
        "没听明白，你重复一下", "没听清，再讲一遍", "我没太听懂，能再说一次吗", "不好意思，刚才没听见，麻烦重复一遍",
        "我眼睛不好，看不清，你再念一遍", "没听明白", "听不懂，再说一下吧", "唔该讲多一次",
    ],
    "help": [
        "我不知道该选哪个，咋选啊", "这个怎么选啊", "我不会填，教教我", "选哪个好", "点哪里啊", "不知道该选什么",
        "我不会用", "怎么用",
    ],
    "human": [
        "能不能转个人工，让民警跟我视频说", "我找个真人，帮我转人工", "转个人工吧，我弄不明白", "叫个民警过来",
        "让工作人员跟我说", "我眼睛不好，转人工", "I want to talk to a real person", "找个工作人员吧",
    ],
    "start": [
        "就在这开", "现在办一个", "就搁这办吧", "那签一下", "好，即刻办", "先挂失，现在办", "就这台机器上办吧",
        "那就现在交吧", "行，马上弄", "那我现在缴", "那就在这儿签注", "好的，今天就办", "Let's do it now", "do it here",
        "I'll do it here", "OK, I'll apply now",
    ],
    "back": [
        "退回去", "回上一个", "返回上一页", "往回退一步", "倒回去", "回到上一步吧", "后退一步", "回去",
    ],
    "slower": [
        "講慢啲得唔得", "慢慢讲啦", "讲慢少少啦", "你慢慢说", "说太快了，听不过来", "慢点讲好不好", "太快了，跟不上",
        "Please speak more slowly",
    ],
}


@pytest.mark.parametrize(("text", "command"), [(t, c) for c, texts in STEERING.items() for t in texts])
def test_a_command_with_reasons_fillers_or_dialect_is_still_that_command(
        commands: Commands, text: str, command: str) -> None:
    assert commands.match(text) == command


# Questions and requests that share words with commands: the question is answered, nothing is steered. "我想回去了"
# says the citizen is leaving (a goodbye), not "back one step" ("回去", "退回去" are).
NOT_COMMANDS = [
    "算了，那护照怎么办", "算了，补办要多少钱", "算了，我想问问户口迁移", "算了，我要补办身份证",
    "算了，我身份证丢了", "算了，我没带身份证怎么办", "重新办一张身份证", "身份证怎么重新办",
    "重新办理驾驶证要什么材料", "我的号码和别人重复了", "回去要带什么材料", "现在办身份证要多久",
    "在这里办护照可以吗", "开证明要什么材料", "先挂失还是先补办", "我想回去了", "那我回去了", "我想回家了",
    "中国护照怎么办", "等一下", "我还没想好", "我手机没电了",
]


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_questions_and_asides_alone_are_no_commands(commands: Commands, text: str) -> None:
    assert commands.match(text) is None


@pytest.mark.parametrize("text", ["What can you do?", "你能做什么", "你会什么", "有什么功能", "what can you do for me"])
def test_what_can_you_do_is_left_to_the_capabilities_answer(commands: Commands, text: str) -> None:
    assert commands.match(text) is None


@pytest.mark.parametrize(("text", "answer"), [
    ("确认", True), ("对，没问题", True), ("Yes", True), ("好的", True), ("不对", False), ("修改", False),
    ("No", False), ("我想想", None),
])
def test_yes_no(commands: Commands, text: str, answer: bool | None) -> None:
    assert commands.yes_no(text) is answer


YES = [
    "中", "系啊", "嗯呐没毛病", "得", "要得", "冇问题", "這回對了", "确认提交", "确认打印", "yes", "looks good, yes",
    "yep that's right", "Yes, that's correct", "信息没错", "这次对了", "系呀，冇错", "啱晒", "好，确认缴费", "嗯哪",
    "sounds good",
]
NO = ["唔系", "不中", "号码不对", "nah", "that's wrong", "not quite", "错咗", "信息有误", "不对不对"]


@pytest.mark.parametrize("text", YES)
def test_yes_said_in_dialect_cantonese_or_english(commands: Commands, text: str) -> None:
    assert commands.yes_no(text) is True
    assert commands.match(text) is None


@pytest.mark.parametrize("text", NO)
def test_no_said_in_dialect_cantonese_or_english(commands: Commands, text: str) -> None:
    assert commands.yes_no(text) is False


@pytest.mark.parametrize("text", [
    "中国护照怎么办", "得多久", "系统坏了吗", "成功了吗", "对了，我还想问护照", "nothing", "yesterday",
    "确认一下要带什么",
])
def test_words_that_start_like_yes_are_no_answer(commands: Commands, text: str) -> None:
    assert commands.yes_no(text) is None


def test_corrections(commands: Commands) -> None:
    assert commands.correction("不对，号码是110105194912310021") == "110105194912310021"
    assert commands.correction("不对") is None
    assert commands.correction("补办身份证") is None


def test_a_broken_pattern_names_its_place() -> None:
    with pytest.raises(ValueError, match=r"patterns\.start"):
        Commands({"patterns": {"start": {"whole": ["{nowhere}办"]}}})
    with pytest.raises(ValueError, match="asides"):
        Commands({"asides": ["(unclosed"]})


@pytest.mark.skipif(not DEV_SET.exists(), reason="no development set beside the repository")
def test_no_guide_question_of_the_dev_set_is_a_command(commands: Commands) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    taken = [(r["q"], commands.match(r["q"])) for r in rows if r.get("ids")]
    assert [t for t in taken if t[1]] == []
