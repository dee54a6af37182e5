import pytest

from bot.understand.commands import Commands


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


@pytest.mark.parametrize(("text", "answer"), [
    ("确认", True), ("对，没问题", True), ("Yes", True), ("好的", True), ("不对", False), ("修改", False),
    ("No", False), ("我想想", None),
])
def test_yes_no(commands: Commands, text: str, answer: bool | None) -> None:
    assert commands.yes_no(text) is answer


def test_corrections(commands: Commands) -> None:
    assert commands.correction("不对，号码是110105194912310021") == "110105194912310021"
    assert commands.correction("不对") is None
    assert commands.correction("补办身份证") is None
