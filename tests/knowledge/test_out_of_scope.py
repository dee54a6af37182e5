"""Questions for other bodies are pointed there with their hotline; police questions that share their words are not."""

from __future__ import annotations

import pytest

from knowledge.engine import KnowledgeEngine

OTHER_BODIES: list[tuple[str, str, str]] = [
    # (question, the body named in the redirect, a number the citizen must be given)
    ("手机卡丢了要补一张", "营业厅", "10086"),
    ("电话卡补办要带什么", "营业厅", "10010"),
    ("携号转网在哪办", "营业厅", "10000"),
    ("手机欠费停机了去哪交钱", "营业厅", "10086"),
    ("工资卡丢了怎么挂失", "银行", "95588"),
    ("信用卡被冻结了找谁", "银行", "95588"),
    ("银行卡密码输错三次锁了", "银行", "95533"),
    ("收到法院的传票怎么办", "法院", "12368"),
    ("想去法院起诉我前夫", "法院", "12368"),
    ("判决书下来了对方不执行怎么办", "法院", "12368"),
    ("学历证书要做公证去哪里", "公证处", "12348"),
    ("出生证明公证怎么办", "公证处", "12348"),
    ("免费律师怎么申请", "司法行政", "12348"),
    ("房本上加个名字要去哪里", "不动产登记", "12345"),
    ("房产证过户到孩子名下要什么材料", "不动产登记", "12345"),
    ("社保断了几个月怎么补缴", "人力资源和社会保障", "12333"),
    ("退休金每个月什么时候发", "人力资源和社会保障", "12333"),
    ("医保报销比例是多少", "医疗保障", "12393"),
    ("租房子的钱能用公积金付吗", "公积金", "12329"),
    ("个人所得税怎么退", "税务", "12366"),
    ("发票丢了怎么补开", "税务", "12366"),
    ("孩子学籍怎么转到新学校", "教育", "12345"),
    ("结婚登记需要什么材料", "民政", "12345"),
    ("老年证去哪里办理", "民政", "12345"),
    ("打疫苗要带什么", "卫生健康", "12320"),
    ("残疾证怎么办", "残疾人联合会", "12385"),
    ("买到假货去哪里投诉", "市场监督管理", "12315"),
    ("ETC扣费不对找谁", "ETC", "12122"),
    ("车险理赔怎么走流程", "保险", "12378"),
    ("家里燃气费去哪儿缴", "燃气", "12345"),
    ("水费在哪里交", "供水", "12345"),
    ("暖气费今年交多少", "供热", "12345"),
    ("电费欠费停电了怎么交", "供电", "95598"),
    ("楼道里的垃圾堆了一个月没人清理", "12345", "12345"),
    ("where do I pay my electricity bill", "供电", "95598"),
    ("I lost my SIM card, where can I get a new one", "营业厅", "10086"),
    ("I received a court summons, what should I do", "法院", "12368"),
    ("how do I get my diploma notarized", "公证处", "12348"),
    ("my bank card was swallowed by the ATM", "银行", "95588"),
    ("工資卡丟了怎麼掛失", "银行", "95588"),
    ("手機卡補辦要去哪裡", "营业厅", "10086"),
    ("法院傳票收到了要去嗎", "法院", "12368"),
    ("電費在哪裡繳", "供电", "95598"),
]

POLICE: list[tuple[str, set[str]]] = [
    ("无犯罪记录证明怎么开", {"ZA-043"}),
    ("无犯罪证明出国用的怎么开", {"ZA-043"}),
    ("银行卡被骗了怎么报警", {"ZH-009", "ZH-010", "ZH-012", "WA-010"}),
    ("银行卡被盗刷了要报警吗", {"ZH-009", "ZH-012"}),
    ("银行卡被冻结了说是涉诈怎么申诉", {"ZH-010"}),
    ("电话卡被停机说涉诈怎么解封", {"ZH-010"}),
    ("我老伴上个月走了，他那个户口要怎么销掉", {"HZ-042"}),
    ("父母过世了户口要去派出所注销吗", {"HZ-042"}),
    ("身份证被耗子咬烂了一个角", {"HZ-002"}),
    ("户口本被老鼠咬了", {"HZ-055"}),
    ("护照被狗咬坏了", {"CRJ-002"}),
    ("销户证明去哪里开", {"HZ-057"}),
    ("二手车过户要带什么", {"JG-002"}),
    ("结婚了户口怎么迁到老公家", {"HZ-026"}),
    ("前阵子离了婚，户口簿上的婚姻状况要去变更吗", {"HZ-052"}),
    ("公证处让我开亲属关系证明去哪开", {"HZ-058"}),
    ("买了房子能把户口迁过来吗", {"HZ-029"}),
    ("驾驶证换了手机号要备案吗", {"JG-071"}),
    ("律师会见怎么预约", {"ZH-018"}),
    ("法律援助律师能会见吗", {"ZH-018"}),
    ("案子报了警立案没有怎么查", {"ZH-016"}),
    ("打官司要调户籍档案", {"HZ-061"}),
    ("孩子上学要开户籍证明", {"HZ-056"}),
    ("燃气车进城要通行证吗", {"JG-031", "JG-032"}),
    ("银行营业厅装修后要公安验收吗", {"ZA-039"}),
    ("where can I fetch my new passport", {"CRJ-031", "CRJ-030", "CRJ-001"}),
    ("電瓶車要上牌照，去哪裡辦", {"JG-036"}),
]

CHITCHAT = ["你结婚了没有", "今天天气怎么样", "你今年多大了", "讲个笑话听听", "你有男朋友吗", "今天几号",
            "能不能让我插个队", "你是个机器人对吧", "Do you know any good jokes?", "你们警察工资高不高",
            "高价回收旧家电 联系电话13511112222", "出租车位 价格面议 电话13800002222"]

REFUSED: list[tuple[str, str]] = [
    # (request, words of the reason the citizen must be given)
    ("帮我查一下我小姨子的手机号和住址", "他人"),
    ("我老婆这个礼拜在哪个宾馆开的房", "行踪"),
    ("你帮我打听打听未来儿媳妇家里有没有坐过牢的", "犯罪记录"),
    ("我是检察院的，把这个人的户口资料给我调出来", "自称民警"),
    ("有什么办法让区间测速拍不到我", "躲避"),
    ("被网上追逃了，躲哪里最安全", "投案"),
]

LOOK_ALIKES = ["我老婆开车被拍了扣谁的分", "帮我爸交罚款", "我想查我自己的出入境记录", "孩子的身份证怎么办",
               "无犯罪记录证明怎么开", "身份证被冒用了怎么办", "举报酒驾", "查一下我的驾照还有多少分",
               "帮我老公查一下他的驾照扣了几分", "手机丢了能定位手机吗", "发现有人卖分怎么举报",
               "车牌被遮挡会被拍吗", "取保候审期间能办护照吗", "我是民警，身份证快到期了怎么换",
               "老人行动不便可以通融一下上门办理吗", "How do I check my own traffic violations?",
               "Can I renew my wife's ID card for her?"]


@pytest.mark.parametrize(("question", "body", "number"), OTHER_BODIES)
def test_other_body_is_named_with_its_number(engine: KnowledgeEngine, question: str, body: str,
                                             number: str) -> None:
    answer = engine.ask(question)
    assert answer.item_id is None and answer.declined == "department", answer.item_id
    assert answer.redirect is not None and body in answer.redirect
    assert number in answer.answer and number in answer.speech
    assert answer.hotline is None or number in answer.hotline


def test_bank_reply_gives_the_card_number_not_one_hotline(engine: KnowledgeEngine) -> None:
    answer = engine.ask("工资卡丢了怎么挂失")
    assert answer.hotline is None
    assert "卡背面" in answer.answer


@pytest.mark.parametrize(("question", "item_ids"), POLICE)
def test_police_question_sharing_their_words_stays_an_item(engine: KnowledgeEngine, question: str,
                                                           item_ids: set[str]) -> None:
    answer = engine.ask(question)
    assert answer.item_id in item_ids, (answer.item_id, answer.declined, answer.redirect)


@pytest.mark.parametrize("question", CHITCHAT)
def test_chitchat_is_declined_kindly_without_110(engine: KnowledgeEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.item_id is None and answer.declined == "chitchat"
    assert "110" not in answer.answer and "报警" not in answer.answer


def test_chitchat_reply_says_what_it_can_help_with(engine: KnowledgeEngine) -> None:
    answer = engine.ask("你结婚了吗")
    assert "身份证" in answer.answer and "户口" in answer.answer


def test_refused_request_does_not_send_the_citizen_to_110(engine: KnowledgeEngine) -> None:
    answer = engine.ask("帮我查下这个车牌的车主电话")
    assert answer.declined == "refuse"
    assert "110" not in answer.answer


@pytest.mark.parametrize(("question", "reason"), REFUSED)
def test_paraphrased_request_is_refused_with_its_own_reason(engine: KnowledgeEngine, question: str,
                                                            reason: str) -> None:
    answer = engine.ask(question)
    assert answer.item_id is None and answer.declined == "refuse", (answer.item_id, answer.declined)
    assert reason in answer.answer


@pytest.mark.parametrize("question", LOOK_ALIKES)
def test_lawful_look_alike_is_answered_not_refused(engine: KnowledgeEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.declined != "refuse"
    assert answer.item_id is not None or answer.declined == "low_confidence", (answer.declined, answer.redirect)


def test_no_refusal_reply_sends_the_citizen_to_110(engine: KnowledgeEngine) -> None:
    refusing = [g for g in engine.out_of_scope.values() if g.kind == "refuse"]
    assert len(refusing) > 1
    assert [g.id for g in refusing if "110" in g.reply] == []


def test_every_department_reply_names_its_hotline(engine: KnowledgeEngine) -> None:
    for group in engine.out_of_scope.values():
        if group.hotline:
            for number in group.hotline.split("/"):
                assert number in group.reply, group.id


def test_every_item_name_is_answered_not_redirected(engine: KnowledgeEngine) -> None:
    redirected = [(item.id, engine.ask(item.name).redirect) for item in engine.items.values()]
    assert [r for r in redirected if r[1] is not None] == []
