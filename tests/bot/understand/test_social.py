import json
import re
from pathlib import Path

import pytest
import yaml

from bot.understand.social import Social, SocialMatch
from bot.understand.social_data import DEFAULT_PATH, expand, to_traditional
from knowledge.loader import default_data_dir
from knowledge.normalize import to_simplified
from knowledge.schema import SiteProfile

DEV_SET = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def social() -> Social:
    return Social.load()


@pytest.fixture(scope="module")
def site() -> SiteProfile:
    raw = yaml.safe_load((default_data_dir() / "site.yaml").read_text(encoding="utf-8"))
    return SiteProfile.model_validate(raw)


SOCIAL_BY_ACT = {
    "greeting": [
        "你好", "您好！", "你好啊", "在吗？", "在不在", "有人吗", "有人在吗", "喂？喂？", "哈喽", "嗨", "早上好",
        "晚上好呀", "同志你好", "警察同志，您好", "你 好", "大家好", "妳好", "hello", "Hi there!", "Good morning",
        "Is anyone there?", "我有个问题", "我想咨询一下", "姑娘，跟你打听个事儿", "同志，问你个事",
        "麻烦问一下", "泥好",
        # checking that the microphone works
        "喂，听得到吗", "你能听清我讲话吗", "听得见不", "喂喂喂，有声音没", "你还在听吗", "聽得到嗎",
        "Can you hear me?", "hello? is this thing on",
        # checking the language
        "你会说英语吗", "能讲普通话不", "有英文版吗", "你會說英文嗎", "Do you understand English?", "English please",
        "Hello, does anyone here speak English?",
    ],
    "thanks": [
        "谢谢", "谢谢谢谢", "多谢多谢", "谢了", "辛苦了", "麻烦你了", "好的谢谢", "好的，谢谢啊", "知道了，谢谢",
        "嗯嗯，太感谢了！", "多謝多謝，我曉得了", "謝謝你", "thanks", "Thank you very much!", "cheers", "ok thanks",
        "Got it, thank you", "给你添麻烦了", "真是太谢谢你了", "好人一生平安", "You're very helpful",
    ],
    "goodbye": [
        "再见", "拜拜", "那我走了", "好的没有了", "没事了，谢谢", "谢谢，再见", "再見", "bye", "Goodbye!",
        "thanks, that's all", "掰掰～", "在见", "那我先撤了", "好嘞，那我先回去了", "我去准备材料了",
        "行吧，我过两天再来", "没别的事了，谢谢你", "I'll come back tomorrow", "Alright, I'm all set",
        # "I understand" closes the exchange unless it thanks
        "好的知道了", "行，明白了", "懂了懂了", "我都清楚了", "好了我晓得了", "了解了", "OK got it",
    ],
    "identity": [
        "你是谁", "你是机器人吗", "您叫啥名字", "你是机器人还是真人啊", "你是不是真人", "妳是誰", "Who are you?",
        "Are you a robot?", "What's your name?",
        # am I talking to a person
        "我在跟真人说话吗", "和我聊天的是机器人吧", "你是活人不是", "对面是真人不", "你是機器人嗎", "你是AI吗",
        "Am I talking to a real person?", "Are you a human or a robot?", "Is this automated?",
        # whom it belongs to
        "你们是哪个派出所的", "您是公安局的吗", "谁开发的你", "你是哪家公司做的", "Which department are you from?",
        "Who made you?",
    ],
    "capabilities": [
        "你能干什么", "你会什么", "你有什么用", "你好，你都能办些什么业务？", "这里可以办哪些业务", "你能幹什麼",
        "What can you do?", "hello, what can you help me with", "你都会干嘛", "你能帮我办点啥",
        "这个自助机能办什么业务", "你们这里都能办什么", "这台机器是干啥的", "你的功能是什么", "我可以问你些什么",
        "这機器能辦什麼", "你这玩意儿有啥用", "都有哪些业务可以办", "What are you able to do?",
        "What can this machine do?", "What sort of services do you offer?", "What kinds of questions can you answer?",
    ],
}
SOCIAL = [(text, act) for act, texts in SOCIAL_BY_ACT.items() for text in texts]


@pytest.mark.parametrize(("text", "act"), SOCIAL)
def test_whole_social_utterances_get_their_act(social: Social, text: str, act: str) -> None:
    found = social.match(text)
    assert found is not None, text
    assert found.act == act
    assert found.facility is None


FACILITIES_BY_PLACE = {
    "toilet": [
        "厕所在哪", "洗手间在哪里？", "请问卫生间怎么走", "我想上个厕所", "廁所在哪裡", "你好，有厕所吗",
        "我想上个洗手间", "Where is the toilet?", "Excuse me, is there a restroom?",
    ],
    "water": ["哪里可以喝水", "有没有饮水机", "我口渴了，哪有水", "Where can I get drinking water?"],
    "charging": ["手机没电了哪能充电", "哪里有充电宝", "有插座吗，我想给手机充个电", "Where can I charge my phone?"],
    "waiting": [
        "哪里可以坐一下", "等候区在哪", "有没有椅子，老人站不住了", "Is there somewhere to sit?", "取好号去哪等",
        "拿了号在哪坐着", "取號後在哪裡等", "Where do I wait for my number?",
    ],
    "print": [
        "哪里可以复印", "哪里能复印身份证", "有打印机吗", "Where is the photocopier?", "想复印一下户口本，在哪弄",
        "打印材料去哪打", "Where can I make a copy of my ID?",
    ],
}
FACILITIES = [(text, place) for place, texts in FACILITIES_BY_PLACE.items() for text in texts]


@pytest.mark.parametrize(("text", "place"), FACILITIES)
def test_facility_questions_match(social: Social, text: str, place: str) -> None:
    assert social.match(text) == SocialMatch(act="facility", facility=place, rest=social.strip_social(text))


# Edge phrasings: address forms of every region, a first visit told before the question, praise beside thanks,
# facility questions closed by 没/不, Cantonese written in Traditional characters.
EDGE_BY_ACT = {
    "greeting": ["警察同志好啊", "老妹儿你好啊", "师傅您好", "小姑娘你好", "民警同志好", "警官好呀", "阿姨好",
                 "大哥你好啊", "老乡，你好", "大兄弟你好", "靚女你好", "各位好", "阿Sir你好"],
    "capabilities": ["你好呀，我头一回来这儿，你这都能办点啥", "你好，我第一次来，这里能办什么", "你能听懂广东话不",
                     "哈喽，我是第一次来，你能干啥", "您好，我头一次用这个机器，你都会些啥", "我讲粤语你听得明不",
                     "你听得懂粤语吗", "我说方言你听得懂不", "我写繁体字你看得懂吗"],
    "thanks": ["谢谢啊，你比我孙子有耐心", "谢谢你啊，你真有耐心", "多谢，你讲得真清楚", "太感谢了，比我儿子还耐心",
               "谢谢，你人真好", "谢谢小姑娘，你真细心", "你好厉害", "多謝晒，你講得好清楚"],
    "identity": ["是不是有个真人在后面跟我说话", "你係咪真人嚟㗎", "你是不是机器人啊", "背后有没有真人在操作",
                 "系唔系真人嚟㗎", "你系咪机器人", "跟我说话的是不是真人", "有个真人在跟我聊天吗"],
    "goodbye": ["我想回去了", "那我要走了", "我得回家了"],
}


@pytest.mark.parametrize(("text", "act"), [(t, a) for a, texts in EDGE_BY_ACT.items() for t in texts])
def test_edge_phrasings_get_their_act(social: Social, text: str, act: str) -> None:
    found = social.match(text)
    assert found is not None, text
    assert found.act == act


@pytest.mark.parametrize(("text", "place"), [
    ("有喝水的地方没", "water"), ("这有充电的地方不", "charging"), ("哪有厕所没", "toilet"), ("有卫生间不", "toilet"),
    ("这有水喝没", "water"), ("有地方坐没", "waiting"), ("这里有冇厕所", "toilet"), ("厕所喺边度", "toilet"),
])
def test_facility_questions_closed_by_a_negative(social: Social, text: str, place: str) -> None:
    found = social.match(text)
    assert found is not None and found.act == "facility" and found.facility == place


EDGE_NOT_SOCIAL = [
    "你好，身份证怎么补", "师傅好，我想换驾照", "老妹儿，护照咋办", "谢谢，你比我孙子有耐心，那户口本丢了咋办",
    "有没有真人帮我办身份证", "你听得懂我说的身份证号吗", "是不是有个人冒用我的身份证", "有人在后面跟踪我", "我说粤语",
    "你好厉害，能帮我查违章吗", "厕所没纸了", "有没有人跟我一起办", "我第一次来", "我第一次来，补办身份证要带什么",
]
CUT = [("老妹儿，护照咋办", "护照咋办"), ("警察同志好，身份证怎么补", "身份证怎么补"),
       ("你好，我第一次来，补办身份证要带什么", "补办身份证要带什么")]


@pytest.mark.parametrize(("text", "rest"), CUT)
def test_address_forms_and_a_first_visit_are_cut_from_a_question(social: Social, text: str, rest: str) -> None:
    assert social.strip_social(text) == rest


def test_the_capabilities_answer_says_which_languages(social: Social, site: SiteProfile) -> None:
    assert "繁体" in social.reply(SocialMatch("capabilities"), "zh-Hans", site)[0]
    assert "English" in social.reply(SocialMatch("capabilities"), "en", site)[0]


@pytest.mark.skipif(not DEV_SET.exists(), reason="no development set beside the repository")
def test_no_guide_question_of_the_dev_set_is_social(social: Social) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["q"] for r in rows if r.get("ids") and social.match(r["q"])] == []


NOT_SOCIAL = [
    *EDGE_NOT_SOCIAL, "好的", "嗯", "对", "是的", "ok", "可以", "我", "请问", "是什么", "叫什么", "我想问一下身份证",
    "你好，我身份证丢了怎么办", "您好，请问护照怎么办", "在吗，驾驶证到期了怎么换", "hello, how do I extend my visa",
    "谢谢你帮我查一下办证进度", "补办身份证要带什么，谢谢", "我想谢谢那天帮我找回钱包的民警，怎么表扬",
    "身份证在哪里办", "有人偷了我的车", "有人冒用我的身份证", "哪里可以拍证件照", "身份证复印件在哪里交", "打印",
    "无犯罪记录证明在哪里打印", "户口本复印件要几份", "我手机没电了，电子驾照打不开怎么办", "早上几点开门",
    "你们这里几点下班", "厕所里捡到一个钱包交给谁", "你好像没听懂我的话", "喂，我要报警",
    "再见了我的驾照，扣满12分怎么办",
    "Thanks, and where do I pay a traffic fine?", "who do I talk to about a lost passport",
    # yes/no answers and finished steps
    "行", "好了", "行了", "可以了", "听到了",
    # questions that look like closings
    "办完了吗", "就这些吗", "知道了吗", "没有了吗", "我不知道怎么弄", "没明白", "了解一下",
    # a person, a queue or a service, not an amenity
    "民警在哪", "警察在哪里", "工作人员在哪", "取号机在哪", "在哪等结果", "护照在哪等", "在哪打印回执", "去哪拍照",
    # about languages or units, but a service question
    "能开英文的户籍证明吗", "有英文版的无犯罪记录证明吗", "我不会说普通话", "那归哪个部门管", "这个归哪个部门管",
    "是哪个部门的", "你会办护照吗", "Do you speak English? I lost my passport", "Can you help me extend my visa?",
    "我明天再来办身份证可以吗",
]


@pytest.mark.parametrize("text", NOT_SOCIAL)
def test_questions_and_bare_answers_are_not_social(social: Social, text: str) -> None:
    assert social.match(text) is None


@pytest.mark.parametrize(("text", "rest"), [
    ("你好，我身份证丢了", "我身份证丢了"),
    ("您好我想补办身份证", "我想补办身份证"),
    ("警官你好，驾驶证到期怎么换？谢谢！", "驾驶证到期怎么换"),
    ("好的，谢谢，那补办要多久", "那补办要多久"),
    ("補辦身分證要多久，謝謝啊", "補辦身分證要多久"),
    ("Hello, how do I extend my visa? Thanks a lot", "how do I extend my visa"),
    ("小伙子，我的驾照要换了", "我的驾照要换了"),
    ("有人打电话让我转钱，是真的吗", "有人打电话让我转钱，是真的吗"),
    ("你好像没听懂", "你好像没听懂"),
    ("他遇到麻烦了", "他遇到麻烦了"),
    ("我身份证丢了", "我身份证丢了"),
    ("好的", "好的"),
    ("你好，谢谢", ""),
])
def test_strip_social_leaves_the_question(social: Social, text: str, rest: str) -> None:
    assert social.strip_social(text) == rest


@pytest.mark.parametrize("act", ["greeting", "thanks", "goodbye", "identity", "capabilities"])
@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_every_act_answers_in_every_language(social: Social, site: SiteProfile, act: str, lang: str) -> None:
    screen, speech, _ = social.reply(SocialMatch(act), lang, site)
    assert screen and speech
    has_han = any("\u4e00" <= ch <= "\u9fff" for ch in screen)
    assert has_han == (lang != "en")
    if lang == "zh-Hant":
        assert to_simplified(screen) != screen
    if lang == "zh-Hans":
        assert to_simplified(screen) == screen


@pytest.mark.parametrize(("text", "act"), [
    ("知道了", "goodbye"), ("行了知道了", "goodbye"), ("明白了，回头再来", "goodbye"), ("知道了，谢谢", "thanks"),
    ("谢谢，我明白了", "thanks"), ("明白了，谢谢，再见", "goodbye"), ("知道了吗", None),
])
def test_understanding_closes_unless_it_thanks(social: Social, text: str, act: str | None) -> None:
    found = social.match(text)
    assert (found.act if found else None) == act


def test_a_spoken_greeting_is_short(social: Social, site: SiteProfile) -> None:
    for lang in ("zh-Hans", "zh-Hant", "en"):
        screen, speech, _ = social.reply(SocialMatch("greeting"), lang, site)
        sentences = [part for part in re.split(r"[。？！.?!]", speech) if part.strip()]
        assert 1 <= len(sentences) <= 2, speech
        assert len(speech) < len(screen)


def test_traditional_replies_have_no_simplified_characters(social: Social, site: SiteProfile) -> None:
    matches = [SocialMatch(act) for act in social.data.acts]
    matches += [SocialMatch("facility", key) for key in social.data.facility.places]
    for match in matches:
        screen, speech, quick = social.reply(match, "zh-Hant", site)
        for text in (screen, speech, *quick):
            assert to_traditional(text) == text, text


def test_greeting_says_what_it_can_do_and_offers_buttons(social: Social, site: SiteProfile) -> None:
    screen, _, quick = social.reply(SocialMatch("greeting"), "zh-Hans", site)
    assert "自助机" in screen and "工作人员" in screen and screen.endswith("？")
    assert "转人工" in quick and len(quick) >= 3
    _, _, quick_hant = social.reply(SocialMatch("greeting"), "zh-Hant", site)
    assert "轉人工" in quick_hant
    en_screen, _, en_quick = social.reply(SocialMatch("greeting"), "en", site)
    assert "staff" in en_screen and en_quick and all(t.isascii() for t in en_quick)


def test_goodbye_reminds_to_take_belongings(social: Social, site: SiteProfile) -> None:
    assert "身份证" in social.reply(SocialMatch("goodbye"), "zh-Hans", site)[0]
    assert "ID" in social.reply(SocialMatch("goodbye"), "en", site)[0]


def test_facility_reply_comes_from_the_site_profile(social: Social, site: SiteProfile) -> None:
    places = {"toilet": "二楼电梯左手边", "toilet_en": "left of the lift, 2nd floor"}
    custom = site.model_copy(update={"facilities": places})
    screen, speech, quick = social.reply(SocialMatch("facility", "toilet"), "zh-Hans", custom)
    assert "二楼电梯左手边" in screen and "二楼电梯左手边" in speech and quick == []
    assert "二樓電梯左手邊" in social.reply(SocialMatch("facility", "toilet"), "zh-Hant", custom)[0]
    assert "left of the lift" in social.reply(SocialMatch("facility", "toilet"), "en", custom)[0]
    assert site.facilities["water"] in social.reply(SocialMatch("facility", "water"), "zh-Hans", site)[0]


def test_facility_missing_from_the_site_sends_to_the_desk(social: Social, site: SiteProfile) -> None:
    bare = site.model_copy(update={"facilities": {}})
    screen, _, _ = social.reply(SocialMatch("facility", "charging"), "zh-Hans", bare)
    assert "服务台" in screen and site.duty_phone in screen
    assert "desk" in social.reply(SocialMatch("facility", "charging"), "en", bare)[0]


def test_cue_patterns_expand() -> None:
    assert sorted(expand("[你|您]叫(什么|啥)")) == sorted(["叫什么", "叫啥", "你叫什么", "你叫啥", "您叫什么",
                                                       "您叫啥"])
    with pytest.raises(ValueError):
        expand("(你|您")


def test_a_broken_vocabulary_names_the_problem(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    del raw["acts"]["thanks"]["reply"]["en"]
    bad = tmp_path / "social.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"acts\.thanks.*en"):
        Social.load(bad)
